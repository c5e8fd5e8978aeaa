use uuid::Uuid;

use super::load::{admin_remains_without, named_role, require_groups};
use super::{NewSecrets, UserPatch, UserRecord};
use crate::ports::{
    Audit, Commit, Devices, Groups, Outbox, Roles, SecretHasher, Sessions, Store, Users,
};
use crate::webhooks::{Event, EventType};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, rules};

/// Changes any subset of a user's fields, bans or unbans them, or resets their secrets. A ban
/// or a reset signs the user out everywhere (an unban does not bring those sessions back); a
/// password reset also removes their devices.
/// The actor must hold every permission of the user's current role and of the new one; a ban
/// is never of yourself nor of the last active Company Admin; your own secrets change only
/// through `/me`, which asks for the current password. A patch conditioned on versions the
/// user no longer has changes nothing.
pub async fn update_user(
    store: &impl Store,
    hasher: &impl SecretHasher,
    actor: &Actor,
    id: Uuid,
    patch: UserPatch,
) -> Result<(), DomainError> {
    if patch.password.is_some() || patch.mpin.is_some() {
        rules::not_self(&actor.id, &id)?;
    }
    let secrets = NewSecrets {
        password_hash: match &patch.password {
            Some(password) => Some(hasher.hash_password(password).await?),
            None => None,
        },
        mpin_hash: match &patch.mpin {
            Some(pin) => Some(hasher.hash_mpin(pin).await?),
            None => None,
        },
    };

    let mut tx = store.begin(actor.company_id).await?;
    change_user(&mut tx, actor, id, &patch, secrets).await?;
    tx.commit().await
}

/// The ports a user's change goes through, inside a transaction.
pub(crate) trait UserChangeTx:
    Users + Roles + Groups + Sessions + Devices + Audit + Outbox
{
}

impl<T: Users + Roles + Groups + Sessions + Devices + Audit + Outbox> UserChangeTx for T {}

/// Moves a user into a role, inside the caller's transaction, with every rule of a role
/// change and the last-admin rule of provisioning (see [`UserPatch::keep_an_admin`]). A user
/// the company does not have is a 422 on `field`.
pub(crate) async fn move_into_role(
    tx: &mut impl UserChangeTx,
    actor: &Actor,
    id: Uuid,
    role_id: Uuid,
    field: &str,
) -> Result<(), DomainError> {
    let patch = UserPatch {
        role_id: Some(role_id),
        keep_an_admin: true,
        ..UserPatch::default()
    };
    match change_user(tx, actor, id, &patch, NewSecrets::default()).await {
        Err(DomainError::NotFound) => Err(DomainError::names_nothing(field)),
        other => other,
    }
}

/// [`update_user`]'s load -> rule -> write, inside the caller's transaction, with the new
/// secrets already hashed.
async fn change_user(
    tx: &mut impl UserChangeTx,
    actor: &Actor,
    id: Uuid,
    patch: &UserPatch,
    secrets: NewSecrets,
) -> Result<(), DomainError> {
    let current = if patch.is_the_users_own() {
        tx.lock_user_alone(id).await?
    } else {
        tx.lock_user(id).await?
    }
    .ok_or(DomainError::NotFound)?;
    patch.precondition.check(current.version)?;
    let current_role = tx
        .role(current.role_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let new_role = match patch.role_id {
        Some(role_id) => {
            let new_role = named_role(tx, role_id, "role_id").await?;
            rules::within_actor(&actor.permissions, &new_role.permissions)?;
            Some(new_role)
        }
        None => None,
    };
    require_groups(tx, patch.department_id.flatten(), patch.branch_id.flatten()).await?;
    rules::within_actor(&actor.permissions, &current_role.permissions)?;
    let bans = patch.banned == Some(true) && !current.banned;
    if bans {
        rules::not_self(&actor.id, &id)?;
    }
    let moves_out_of_admin =
        patch.keep_an_admin && !current.banned && new_role.is_some_and(|role| !role.system);
    if bans || moves_out_of_admin {
        admin_remains_without(tx, current_role.system).await?;
    }

    let (after, mut changes) = current.patched(patch);
    let resets = [
        (secrets.password_hash.is_some(), "password"),
        (secrets.mpin_hash.is_some(), "mpin"),
    ];
    changes.extend(resets.iter().filter(|(set, _)| *set).map(|(_, name)| *name));
    if changes.is_empty() {
        return Ok(());
    }
    let signs_out = bans || secrets != NewSecrets::default();
    // A password reset evicts whoever held the old password, on every device; an M-PIN reset
    // keeps the devices (their owner sets the new PIN on them).
    let evicts_devices = secrets.password_hash.is_some();
    tx.save_user(&after, secrets).await?;
    if signs_out {
        tx.revoke_sessions(id).await?;
    }
    if evicts_devices {
        tx.remove_devices(id, None).await?;
    }
    record_changes(tx, actor, &current, changes).await
}

/// A ban or unban is an event of its own; every other change is one `user.updated`: in the
/// audit trail and for webhooks alike.
async fn record_changes(
    tx: &mut (impl Audit + Outbox),
    actor: &Actor,
    before: &UserRecord,
    mut changes: Vec<&'static str>,
) -> Result<(), DomainError> {
    let target = || {
        Some(AuditTarget {
            kind: "user",
            id: before.id,
            name: before.name.clone(),
        })
    };
    if let Some(at) = changes.iter().position(|c| *c == "banned") {
        changes.remove(at);
        let (action, kind) = if before.banned {
            ("user.unbanned", EventType::UserUnbanned)
        } else {
            ("user.banned", EventType::UserBanned)
        };
        let entry = AuditEntry {
            action,
            target: target(),
            changes: Vec::new(),
        };
        tx.record(actor, entry).await?;
        tx.record_event(Event::about(kind, before.id)).await?;
    }
    if !changes.is_empty() {
        let entry = AuditEntry {
            action: "user.updated",
            target: target(),
            changes,
        };
        tx.record(actor, entry).await?;
        tx.record_event(Event::about(EventType::UserUpdated, before.id))
            .await?;
    }
    Ok(())
}
