//! The devices registered for M-PIN sign-in, as their owner (`/me/devices`) and an admin
//! (`/users/{id}/devices`) see and remove them. Removing a device makes its device token fail
//! and ends the sessions signed in on it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Device;
use crate::ports::{Audit, Clock, Commit, Devices, Roles, Sessions, Store, Users};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, rules};

/// How many devices a user may have registered: signing in on an 11th removes the least
/// recently used one, so a phished password cannot pile up devices.
pub const MAX_DEVICES: usize = 10;

/// A registered device as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// A listed device, and whether the session asking signed in on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDevice {
    pub device: DeviceRecord,
    pub current: bool,
}

/// Whose devices a request is about: the actor's own, or another user's (an admin's view,
/// bound by the rules for editing that user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Me,
    User(Uuid),
}

/// The owner's devices, most recently used first; `session_id` is the asking session.
pub async fn list_devices(
    store: &impl Store,
    clock: &impl Clock,
    actor: &Actor,
    session_id: Option<Uuid>,
    owner: Owner,
) -> Result<Vec<ListedDevice>, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let user_id = may_manage(&mut tx, actor, owner, Access::Read).await?;
    let session = match session_id {
        Some(id) => tx.session(id, clock.now()).await?,
        None => None,
    };
    let current = session.and_then(|s| s.device_id);
    let devices = tx.user_devices(user_id).await?;
    Ok(devices
        .into_iter()
        .map(|device| ListedDevice {
            current: Some(device.id) == current,
            device,
        })
        .collect())
}

/// Removes one of the owner's devices (audited as `device.removed`).
pub async fn remove_device(
    store: &impl Store,
    clock: &impl Clock,
    actor: &Actor,
    owner: Owner,
    device_id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let user_id = may_manage(&mut tx, actor, owner, Access::Write).await?;
    let removed =
        (tx.remove_device(user_id, device_id, clock.now()).await?).ok_or(DomainError::NotFound)?;
    tx.record(actor, removed_event(&removed)).await?;
    tx.commit().await
}

/// The devices to remove so that at most [`MAX_DEVICES`] stay: the least recently used.
/// `devices` is most recently used first.
pub fn beyond_limit(devices: &[DeviceRecord]) -> impl Iterator<Item = &DeviceRecord> {
    devices.iter().skip(MAX_DEVICES)
}

/// Whether the request only reads, or changes the user's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    /// Takes the lock a change of the user takes, before anything is read.
    Write,
}

/// The user whose devices the actor may see and remove: their own always; another user's
/// only if the actor holds every permission of that user's role.
async fn may_manage<T: Users + Roles>(
    tx: &mut T,
    actor: &Actor,
    owner: Owner,
    access: Access,
) -> Result<Uuid, DomainError> {
    let user_id = match owner {
        Owner::Me => actor.own_user()?,
        Owner::User(id) => id,
    };
    let user = match access {
        Access::Read => tx.user(user_id).await?,
        Access::Write => tx.lock_user(user_id).await?,
    };
    let user = user.ok_or(DomainError::NotFound)?;
    if owner != Owner::Me {
        let role = tx.role(user.role_id).await?.ok_or(DomainError::NotFound)?;
        rules::within_actor(&actor.permissions, &role.permissions)?;
    }
    Ok(user_id)
}

fn removed_event(device: &Device) -> AuditEntry {
    AuditEntry {
        action: "device.removed",
        target: Some(AuditTarget {
            kind: "device",
            id: device.id,
            name: device.name.clone(),
        }),
        changes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Client, NewDevice, PasswordSignIn, SignedIn, sign_in_with_password};
    use crate::testing::{MemoryStore, PlainHasher, SIGN_UP_PASSWORD, Seeded, run};
    use crate::{Name, RuleViolation};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("time")
    }

    /// The admin signs in on a new device at `at(seconds)`.
    fn sign_in_on_a_device(store: &MemoryStore, company: &Seeded, seconds: i64) -> SignedIn {
        let attempt = PasswordSignIn {
            company: &store.company(company.company_id).code,
            email: "admin@example.com",
            password: SIGN_UP_PASSWORD,
            register_device: Some(NewDevice {
                name: Name::parse(&format!("Phone {seconds}")).expect("name"),
                token_hash: format!("token {seconds}"),
            }),
            client: Client::default(),
            lifetime: crate::testing::lifetime(),
        };
        run(sign_in_with_password(
            store,
            &PlainHasher,
            &at(seconds),
            attempt,
        ))
        .expect("signed in")
    }

    #[test]
    fn an_eleventh_device_removes_the_least_recently_used() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let first = sign_in_on_a_device(&store, &company, 0);
        let second = sign_in_on_a_device(&store, &company, 1);

        for seconds in 2..=MAX_DEVICES as i64 {
            sign_in_on_a_device(&store, &company, seconds);
        }

        let devices = store.company(company.company_id).devices;
        assert_eq!(devices.len(), MAX_DEVICES);
        let id = |signed_in: SignedIn| signed_in.device.expect("a device").id;
        assert!(!devices.contains_key(&id(first)));
        assert!(devices.contains_key(&id(second)));
    }

    #[test]
    fn removing_a_device_ends_its_sessions_and_only_within_the_actors_reach() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let on_phone = sign_in_on_a_device(&store, &company, 0);
        let phone = on_phone.device.clone().expect("a device").id;
        let manager_role = company.roles[1];
        let manager = crate::testing::new_user("manager@example.com", manager_role);
        let manager_id = run(crate::users::create_user(
            &store,
            &PlainHasher,
            &company.admin,
            manager,
        ))
        .expect("created");
        let manager = store.actor(company.company_id, manager_id);

        let listed = run(list_devices(
            &store,
            &at(1),
            &company.admin,
            Some(on_phone.session_id),
            Owner::Me,
        ))
        .expect("listed");
        let by_manager = run(remove_device(
            &store,
            &at(1),
            &manager,
            Owner::User(company.admin.id),
            phone,
        ));
        let not_theirs = run(remove_device(&store, &at(1), &manager, Owner::Me, phone));
        run(remove_device(
            &store,
            &at(2),
            &company.admin,
            Owner::Me,
            phone,
        ))
        .expect("removed");

        assert_eq!(listed.len(), 1);
        assert!(listed[0].current);
        assert!(matches!(
            by_manager,
            Err(DomainError::Rule(RuleViolation::Escalation))
        ));
        assert!(matches!(not_theirs, Err(DomainError::NotFound)));
        let after = store.company(company.company_id);
        assert!(after.devices.is_empty());
        assert!(after.sessions[&on_phone.session_id].revoked);
        assert_eq!(after.audit.last().map(|e| e.action), Some("device.removed"));
    }
}
