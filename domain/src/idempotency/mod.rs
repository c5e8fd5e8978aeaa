//! `Idempotency-Key`: a client's retry of a POST replays the first answer instead of doing the
//! work again. The first request claims the key (company, key) with a hash of what it asks;
//! its answer is stored when it is final, and the claim released when a retry should run again.
//!
//! Known limit: the change a request makes and the answer stored for it are not one
//! transaction. A crash between them leaves a claim without an answer, which is taken over
//! [`ABANDONED_AFTER_MINUTES`] later, so that retry runs the request again.

mod purge;

use chrono::{DateTime, Duration, Utc};

pub use purge::purge_expired_keys;

/// A claim this old without an answer is taken to be abandoned (its server crashed): no
/// request runs that long.
pub const ABANDONED_AFTER_MINUTES: i64 = 5;

/// How long answers are kept for replays (the contract's 24 hours).
pub const KEPT_FOR_HOURS: i64 = 24;

/// The longest key, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// A client's `Idempotency-Key`: 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// `None` for an empty key or one over [`MAX_KEY_CHARS`] characters.
    pub fn parse(key: &str) -> Option<Self> {
        let chars = key.chars().count();
        (1..=MAX_KEY_CHARS)
            .contains(&chars)
            .then(|| Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The answer stored for a key, replayed as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
    pub content_type: Option<String>,
    pub location: Option<String>,
}

/// A key as stored: what the first request asked, and its answer once it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub request_hash: String,
    pub answer: Option<StoredAnswer>,
    pub created_at: DateTime<Utc>,
}

/// What a request that claims a key is to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it, then complete or release the key.
    Claimed,
    /// The same request already has an answer: send it again.
    Replay(StoredAnswer),
    /// The same request is still running elsewhere (409).
    Running,
    /// The key was used for another request (422).
    Reused,
}

/// What a claim that found the key already taken decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Replay(StoredAnswer),
    Running,
    Reused,
    /// The claim was abandoned: take it over (only if it is still the abandoned one).
    TakeOver,
}

/// Decides about a key that is already stored, for a request hashed `request_hash` at `now`.
/// Another request under the key is refused whatever its state, so a key names one request.
pub fn decide(record: &KeyRecord, request_hash: &str, now: DateTime<Utc>) -> Decision {
    if record.request_hash != request_hash {
        return Decision::Reused;
    }
    match &record.answer {
        Some(answer) => Decision::Replay(answer.clone()),
        None if record.created_at < abandoned_before(now) => Decision::TakeOver,
        None => Decision::Running,
    }
}

/// Claims created before this, and still without an answer, are abandoned.
pub fn abandoned_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::minutes(ABANDONED_AFTER_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-02T12:00:00Z".parse().unwrap()
    }

    fn answer() -> StoredAnswer {
        StoredAnswer {
            status: 201,
            body: r#"{"id":"1"}"#.into(),
            content_type: Some("application/json".into()),
            location: Some("/api/v1/users/1".into()),
        }
    }

    fn record(answer: Option<StoredAnswer>, age: Duration) -> KeyRecord {
        KeyRecord {
            request_hash: "same".into(),
            answer,
            created_at: now() - age,
        }
    }

    #[test]
    fn another_request_under_the_key_is_refused_whatever_its_state() {
        for stored in [
            record(None, Duration::seconds(1)),
            record(None, Duration::hours(1)),
            record(Some(answer()), Duration::seconds(1)),
        ] {
            assert_eq!(decide(&stored, "other", now()), Decision::Reused);
        }
    }

    #[test]
    fn the_same_request_replays_the_stored_answer_however_old() {
        let stored = record(Some(answer()), Duration::hours(23));
        assert_eq!(decide(&stored, "same", now()), Decision::Replay(answer()));
    }

    #[test]
    fn a_claim_without_an_answer_runs_until_it_is_abandoned() {
        let limit = Duration::minutes(ABANDONED_AFTER_MINUTES);
        let running = record(None, limit);
        assert_eq!(decide(&running, "same", now()), Decision::Running);
        let abandoned = record(None, limit + Duration::seconds(1));
        assert_eq!(decide(&abandoned, "same", now()), Decision::TakeOver);
    }

    #[test]
    fn keys_are_one_to_255_characters() {
        assert!(IdempotencyKey::parse("").is_none());
        assert!(IdempotencyKey::parse("k").is_some());
        assert!(IdempotencyKey::parse(&"é".repeat(255)).is_some());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_none());
    }
}
