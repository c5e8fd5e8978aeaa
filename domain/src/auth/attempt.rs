//! The steps password and M-PIN sign-ins share: find the account, charge the attempt,
//! write its outcome.

use chrono::{DateTime, Utc};

use super::{Account, Client, Device, NewDevice, NewSession, Refusal, SessionLifetime, SignedIn};
use crate::ports::{Accounts, Audit, Commit, Devices, Lockouts, Sessions, Store};
use crate::{
    Actor, ActorKind, AuditEntry, AuditTarget, CompanyCode, DomainError, Email, Guard,
    PermissionSet, Secret,
};

/// The account a sign-in names. A code or an email that does not parse names none, and goes
/// down the unknown-account path, so it costs and answers the same.
pub(super) async fn find_account(
    store: &impl Accounts,
    company: &str,
    email: &str,
) -> Result<Option<Account>, DomainError> {
    match (CompanyCode::parse(company), Email::parse(email)) {
        (Ok(code), Ok(email)) => store.find_account(&code, &email).await,
        _ => Ok(None),
    }
}

/// The account a sign-in names and its device with this token hash, both or neither.
pub(super) async fn find_device_account(
    store: &impl Accounts,
    company: &str,
    email: &str,
    token_hash: &str,
) -> Result<Option<(Account, Device)>, DomainError> {
    match (CompanyCode::parse(company), Email::parse(email)) {
        (Ok(code), Ok(email)) => store.find_device_account(&code, &email, token_hash).await,
        _ => Ok(None),
    }
}

/// Charges an attempt at `secret` before it is checked, in one transaction that locks the
/// user's row: concurrent guesses on any replica are counted one by one, and a locked secret
/// is refused even when it is right. `None` when the user was deleted meanwhile.
pub(crate) async fn charge(
    store: &impl Store,
    account: &Account,
    secret: Secret,
    now: DateTime<Utc>,
) -> Result<Option<Guard>, DomainError> {
    let mut tx = store.begin(account.company_id).await?;
    let Some(guard) = tx.lock_guard(account.user_id, secret).await? else {
        return Ok(None);
    };
    let charged = guard
        .charge(secret, now)
        .map_err(|locked| DomainError::SignIn(Refusal::Locked(locked)))?;
    tx.save_guard(account.user_id, secret, charged).await?;
    tx.commit().await?;
    Ok(Some(charged))
}

/// Records a wrong secret, and the lock it caused, in the audit trail; whether it locked.
pub(crate) async fn record_wrong_secret(
    store: &impl Store,
    account: &Account,
    device: Option<&Device>,
    client: &Client,
    secret: Secret,
    charged: Guard,
) -> Result<bool, DomainError> {
    let locked = charged.locks_if_wrong();
    let mut tx = store.begin(account.company_id).await?;
    let actor = signing_in(account, client);
    tx.record(&actor, event("auth.login_failed", account, device))
        .await?;
    if locked {
        let action = match secret {
            Secret::Password => "auth.locked",
            Secret::Mpin => "auth.mpin_locked",
        };
        tx.record(&actor, event(action, account, device)).await?;
    }
    tx.commit().await?;
    Ok(locked)
}

/// A right secret of a banned user: the lockouts the secret clears are cleared (it was
/// right), and the answer is [`Refusal::Banned`].
pub(super) async fn refuse_banned(
    store: &impl Store,
    account: &Account,
    cleared: &[Secret],
) -> Result<DomainError, DomainError> {
    let mut tx = store.begin(account.company_id).await?;
    for secret in cleared {
        tx.save_guard(account.user_id, *secret, Guard::reset())
            .await?;
    }
    tx.commit().await?;
    Ok(DomainError::SignIn(Refusal::Banned))
}

/// How a sign-in whose secret checked out involves a device.
pub(super) enum DeviceUse {
    None,
    Register(NewDevice),
    Known(Device),
}

/// Everything a successful sign-in writes, in one transaction: the cleared lockouts, the
/// device registered or touched, the session opened and the `auth.login` event.
pub(super) async fn complete(
    store: &impl Store,
    account: &Account,
    cleared: &[Secret],
    device: DeviceUse,
    client: Client,
    now: DateTime<Utc>,
    lifetime: SessionLifetime,
) -> Result<SignedIn, DomainError> {
    let mut tx = store.begin(account.company_id).await?;
    for secret in cleared {
        tx.save_guard(account.user_id, *secret, Guard::reset())
            .await?;
    }
    let device = match device {
        DeviceUse::None => None,
        DeviceUse::Register(new) => {
            let device = tx.register_device(account.user_id, &new, now).await?;
            let devices = tx.user_devices(account.user_id).await?;
            for old in super::beyond_limit(&devices) {
                tx.remove_device(account.user_id, old.id, now).await?;
            }
            Some(device)
        }
        DeviceUse::Known(device) => {
            tx.touch_device(device.id, now).await?;
            Some(device)
        }
    };
    let actor = signing_in(account, &client);
    let session = NewSession {
        user_id: account.user_id,
        device_id: device.as_ref().map(|d| d.id),
        client,
        lifetime,
    };
    let session_id = tx.open_session(&session, now).await?;
    tx.record(&actor, event("auth.login", account, device.as_ref()))
        .await?;
    tx.commit().await?;
    Ok(SignedIn {
        company_id: account.company_id,
        user_id: account.user_id,
        session_id,
        device,
    })
}

/// The user signing in, as the audit trail records them: acting with no permission.
fn signing_in(account: &Account, client: &Client) -> Actor {
    Actor {
        company_id: account.company_id,
        id: account.user_id,
        kind: ActorKind::User,
        name: account.name.clone(),
        permissions: PermissionSet::empty(),
        ip: client.ip.clone(),
    }
}

/// A sign-in event, about the device when there is one, else about the user.
fn event(action: &'static str, account: &Account, device: Option<&Device>) -> AuditEntry {
    let target = match device {
        Some(device) => AuditTarget {
            kind: "device",
            id: device.id,
            name: device.name.clone(),
        },
        None => AuditTarget {
            kind: "user",
            id: account.user_id,
            name: account.name.clone(),
        },
    };
    AuditEntry {
        action,
        target: Some(target),
        changes: Vec::new(),
    }
}
