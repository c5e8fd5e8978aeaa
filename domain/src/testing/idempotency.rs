//! [`IdempotencyKeys`] in memory, deciding as the database implementation does.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::MemoryStore;
use crate::DomainError;
use crate::idempotency::{Claim, Decision, IdempotencyKey, KeyRecord, StoredAnswer, decide};
use crate::ports::IdempotencyKeys;

impl IdempotencyKeys for MemoryStore {
    async fn claim(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, DomainError> {
        let mut keys = self.inner.idempotency_keys.borrow_mut();
        let fresh = KeyRecord {
            request_hash: request_hash.to_owned(),
            answer: None,
            created_at: now,
        };
        let Some(stored) = keys.get_mut(&(company_id, key.clone())) else {
            keys.insert((company_id, key.clone()), fresh);
            return Ok(Claim::Claimed);
        };
        Ok(match decide(stored, request_hash, now) {
            Decision::Replay(answer) => Claim::Replay(answer),
            Decision::Running => Claim::Running,
            Decision::Reused => Claim::Reused,
            Decision::TakeOver => {
                *stored = fresh;
                Claim::Claimed
            }
        })
    }

    async fn complete(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        answer: &StoredAnswer,
    ) -> Result<(), DomainError> {
        let mut keys = self.inner.idempotency_keys.borrow_mut();
        if let Some(stored) = keys.get_mut(&(company_id, key.clone())) {
            stored.answer = Some(answer.clone());
        }
        Ok(())
    }

    async fn release(&self, company_id: Uuid, key: &IdempotencyKey) -> Result<(), DomainError> {
        let mut keys = self.inner.idempotency_keys.borrow_mut();
        keys.remove(&(company_id, key.clone()));
        Ok(())
    }
}

impl MemoryStore {
    /// The key as stored, if any.
    pub fn idempotency_key(&self, company_id: Uuid, key: &IdempotencyKey) -> Option<KeyRecord> {
        let keys = self.inner.idempotency_keys.borrow();
        keys.get(&(company_id, key.clone())).cloned()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::idempotency::{ABANDONED_AFTER_MINUTES, purge_expired_keys};
    use crate::testing::run;

    fn answer() -> StoredAnswer {
        StoredAnswer {
            status: 201,
            body: "{}".into(),
            content_type: Some("application/json".into()),
            location: None,
        }
    }

    #[test]
    fn a_key_is_claimed_once_then_replayed_per_company() {
        let store = MemoryStore::default();
        let now: DateTime<Utc> = "2026-12-02T12:00:00Z".parse().unwrap();
        let (one, two) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let key = IdempotencyKey::parse("k").unwrap();
        assert_eq!(
            run(store.claim(one, &key, "h", now)).unwrap(),
            Claim::Claimed
        );
        assert_eq!(
            run(store.claim(one, &key, "h", now)).unwrap(),
            Claim::Running
        );
        assert_eq!(
            run(store.claim(two, &key, "h", now)).unwrap(),
            Claim::Claimed
        );
        run(store.complete(one, &key, &answer())).unwrap();
        assert_eq!(
            run(store.claim(one, &key, "h", now)).unwrap(),
            Claim::Replay(answer())
        );
        assert_eq!(
            run(store.claim(one, &key, "x", now)).unwrap(),
            Claim::Reused
        );
        run(store.release(two, &key)).unwrap();
        assert_eq!(store.idempotency_key(two, &key), None);
    }

    #[test]
    fn an_abandoned_claim_is_taken_over_and_old_keys_are_purged() {
        let store = MemoryStore::default();
        let start: DateTime<Utc> = "2026-12-02T12:00:00Z".parse().unwrap();
        let company = Uuid::from_u128(1);
        let key = IdempotencyKey::parse("k").unwrap();
        run(store.claim(company, &key, "h", start)).unwrap();
        let later = start + Duration::minutes(ABANDONED_AFTER_MINUTES) + Duration::seconds(1);
        assert_eq!(
            run(store.claim(company, &key, "h", later)).unwrap(),
            Claim::Claimed
        );
        assert_eq!(
            store.idempotency_key(company, &key).map(|k| k.created_at),
            Some(later)
        );
        let day_after = later + Duration::hours(24);
        assert_eq!(run(purge_expired_keys(&store, &day_after)).unwrap(), 0);
        let purged = run(purge_expired_keys(
            &store,
            &(day_after + Duration::seconds(1)),
        ));
        assert_eq!(purged.unwrap(), 1);
        assert_eq!(store.idempotency_key(company, &key), None);
    }
}
