//! The company's subscription: how many seats (users, banned ones included) it may have.

use crate::ports::{Audit, Commit, Seats, Store};
use crate::{Actor, AuditEntry, DomainError, rules};

/// Sets the agent limit, which must cover the seats in use (else a 422 on `agent_limit` and
/// nothing changes). Setting the current limit again changes and audits nothing.
pub async fn set_agent_limit(
    store: &impl Store,
    actor: &Actor,
    limit: i64,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let seats = tx.lock_seats().await?;
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
