//! The company's subscription: how many seats (users, banned ones included) it may have.

use crate::ports::{Audit, Commit, Seats, Store};
use crate::{Actor, AuditEntry, DomainError, Precondition, rules};

/// Sets the agent limit, which must cover the seats in use (else a 422 on `agent_limit` and
/// nothing changes). Setting the current limit again changes and audits nothing; so does a
/// change conditioned on versions the subscription no longer has.
pub async fn set_agent_limit(
    store: &impl Store,
    actor: &Actor,
    limit: i64,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let seats = tx.lock_seats().await?;
    precondition.check(seats.version)?;
    rules::limit_covers_seats(limit, seats.used)
        .map_err(|refused| DomainError::Invalid(refused.at("agent_limit")))?;
    if seats.limit != limit {
        tx.set_agent_limit(limit).await?;
        let entry = AuditEntry {
            action: "subscription.updated",
            target: None,
            changes: vec!["agent_limit"],
        };
        tx.record(actor, entry).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Version;
    use crate::testing::{MemoryStore, run};

    #[test]
    fn a_change_conditioned_on_an_older_version_changes_nothing() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let read_at = Precondition::OneOf(vec![Version::default()]);

        run(set_agent_limit(&store, &company.admin, 6, &read_at))
            .expect("at the version it was read at");
        let second = run(set_agent_limit(&store, &company.admin, 7, &read_at));
        let current = Precondition::OneOf(vec![Version(2)]);
        let third = run(set_agent_limit(&store, &company.admin, 8, &current));

        assert!(matches!(second, Err(DomainError::PreconditionFailed)));
        third.expect("at the current version");
        let now = store.company(company.company_id);
        assert_eq!((now.agent_limit, now.subscription_version), (8, Version(3)));
    }
}
