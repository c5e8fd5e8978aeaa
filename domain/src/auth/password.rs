//! Password sign-in (the web, and how a device is registered for M-PIN sign-in).

use super::attempt::{
    DeviceUse, charge, complete, find_account, record_wrong_secret, refuse_banned,
};
use super::identity::{charge_identity, record_identity_failure};
use super::{Client, Identity, NewDevice, Refusal, SessionLifetime, SignedIn};
use crate::ports::{Accounts, Clock, IdentityGuards, SecretHasher, Store};
use crate::{DomainError, Secret, rules};

/// A password sign-in as the client sent it: the code and email are parsed here, so one that
/// does not parse is answered like an unknown account.
#[derive(Debug, Clone)]
pub struct PasswordSignIn<'a> {
    pub company: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Registers the device the client signs in from, for M-PIN sign-in.
    pub register_device: Option<NewDevice>,
    pub client: Client,
    pub lifetime: SessionLifetime,
}

/// Signs in with company code, email and password.
///
/// An unknown account and a wrong password are refused alike, after the same verify and the
/// same database work. The attempt is charged first (five wrong ones in a row lock the
/// password for a while, an unknown identity's as well: see [`Identity`]); a banned user is
/// refused only after the right password; a success also unlocks the M-PIN.
pub async fn sign_in_with_password<S: Store + Accounts + IdentityGuards>(
    store: &S,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    attempt: PasswordSignIn<'_>,
) -> Result<SignedIn, DomainError> {
    let account = find_account(store, attempt.company, attempt.email).await?;
    let now = clock.now();
    let Some(account) = account else {
        let identity = Identity::of(attempt.company, attempt.email);
        let charged = charge_identity(store, &identity, now).await?;
        hasher.verify_password(attempt.password, None).await?;
        return Err(record_identity_failure(store, &identity, charged).await?);
    };
    let charged = charge(store, &account, Secret::Password, now).await?;
    let verified = hasher
        .verify_password(attempt.password, Some(&account.password_hash))
        .await?;
    let Some(charged) = charged else {
        // Deleted between the read and the charge.
        return Err(DomainError::SignIn(Refusal::UnknownAccount));
    };
    if !verified {
        let client = &attempt.client;
        let locked =
            record_wrong_secret(store, &account, None, client, Secret::Password, charged).await?;
        let secret = Secret::Password;
        return Err(DomainError::SignIn(Refusal::WrongSecret { secret, locked }));
    }
    let cleared = [Secret::Password, Secret::Mpin];
    if rules::may_sign_in(account.banned).is_err() {
        return Err(refuse_banned(store, &account, &cleared).await?);
    }
    let device = match attempt.register_device {
        Some(new) => DeviceUse::Register(new),
        None => DeviceUse::None,
    };
    complete(
        store,
        &account,
        &cleared,
        device,
        attempt.client,
        now,
        attempt.lifetime,
    )
    .await
}
