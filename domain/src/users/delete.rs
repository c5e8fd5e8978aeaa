use uuid::Uuid;

use super::load::admin_remains_without;
use crate::ports::{Audit, Commit, Outbox, Roles, Store, Users};
use crate::webhooks::{Event, EventType};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, Precondition, rules};

/// Deletes a user, freeing their seat: not yourself, not a holder of more than the actor
/// holds, never the last active Company Admin, and only at a version `precondition` names.
/// Their leads go back to the unassigned pool.
pub async fn delete_user(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let user = tx.lock_user(id).await?.ok_or(DomainError::NotFound)?;
    precondition.check(user.version)?;
    let role = tx.role(user.role_id).await?.ok_or(DomainError::NotFound)?;
    rules::within_actor(&actor.permissions, &role.permissions)?;
    rules::not_self(&actor.id, &id)?;
    admin_remains_without(&mut tx, role.system && !user.banned).await?;

    tx.delete_user(id).await?;
    let entry = AuditEntry {
        action: "user.deleted",
        target: Some(AuditTarget {
            kind: "user",
            id,
            name: user.name,
        }),
        changes: Vec::new(),
    };
    tx.record(actor, entry).await?;
    tx.record_event(Event::deleted(EventType::UserDeleted, id))
        .await?;
    tx.commit().await
}
