use uuid::Uuid;

use super::load::{named_role, require_groups};
use super::{NO_PASSWORD, NewUser, NewUserRecord};
use crate::ports::{Audit, Commit, Outbox, Seats, SecretHasher, Store, Users};
use crate::webhooks::{Event, EventType};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, rules};

/// Creates a user, taking one seat: within the subscription's limit, with a role that grants
/// no more than the actor holds. A user created without a password cannot sign in by
/// password until one is set (and costs no hashing: a provider's first sync is fast).
pub async fn create_user(
    store: &impl Store,
    hasher: &impl SecretHasher,
    actor: &Actor,
    new: NewUser,
) -> Result<Uuid, DomainError> {
    let password_hash = match &new.password {
        Some(password) => hasher.hash_password(password).await?,
        None => NO_PASSWORD.to_owned(),
    };
    let mpin_hash = match &new.mpin {
        Some(pin) => Some(hasher.hash_mpin(pin).await?),
        None => None,
    };
    let details = new.details;

    let mut tx = store.begin(actor.company_id).await?;
    let seats = tx.lock_seats().await?;
    let role = named_role(&mut tx, details.role_id, "role_id").await?;
    require_groups(&mut tx, details.department_id, details.branch_id).await?;
    rules::within_actor(&actor.permissions, &role.permissions)?;
    rules::seat_available(seats.used, seats.limit)?;

    let name = details.name.as_str().to_owned();
    let banned = details.banned;
    let record = NewUserRecord {
        details,
        password_hash,
        mpin_hash,
    };
    let id = tx.insert_user(record).await?;
    let target = AuditTarget {
        kind: "user",
        id,
        name,
    };
    // A user provisioned deactivated is banned from the start, and the trail and the
    // webhooks say so.
    let events = if banned {
        &[
            ("user.created", EventType::UserCreated),
            ("user.banned", EventType::UserBanned),
        ][..]
    } else {
        &[("user.created", EventType::UserCreated)][..]
    };
    for (action, event) in events {
        let entry = AuditEntry {
            action,
            target: Some(target.clone()),
            changes: Vec::new(),
        };
        tx.record(actor, entry).await?;
        tx.record_event(Event::about(*event, id)).await?;
    }
    tx.commit().await?;
    Ok(id)
}
