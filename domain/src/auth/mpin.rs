//! M-PIN sign-in: the mobile app's quick sign-in on a device a password sign-in registered.

use super::attempt::{
    DeviceUse, charge, complete, find_device_account, record_wrong_secret, refuse_banned,
};
use super::{Client, Refusal, SessionLifetime, SignedIn};
use crate::ports::{Accounts, Clock, SecretHasher, Store};
use crate::{DomainError, Secret, rules};

/// An M-PIN sign-in as the client sent it.
#[derive(Debug, Clone)]
pub struct MpinSignIn<'a> {
    pub company: &'a str,
    pub email: &'a str,
    pub mpin: &'a str,
    /// The hash of the device token the client presented.
    pub device_token_hash: &'a str,
    pub client: Client,
    pub lifetime: SessionLifetime,
}

/// Signs in with the 4-digit M-PIN on a registered device of the same user.
///
/// An unknown account, or a device token that is not one of this user's, is refused like a
/// wrong M-PIN after the same read and the same verify: nothing is charged, as nothing can be
/// guessed without a device token. A user without an M-PIN is told so (only a holder of one
/// of their device tokens can ask) before anything is charged. Five wrong M-PINs in a row lock
/// it until a password sign-in or a new M-PIN.
pub async fn sign_in_with_mpin<S: Store + Accounts>(
    store: &S,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    attempt: MpinSignIn<'_>,
) -> Result<SignedIn, DomainError> {
    let found = find_device_account(
        store,
        attempt.company,
        attempt.email,
        attempt.device_token_hash,
    )
    .await?;
    let Some((account, device)) = found else {
        // Pay for one verify so an unknown account or device costs what a wrong PIN does.
        hasher.verify_mpin(attempt.mpin, None).await?;
        return Err(DomainError::SignIn(Refusal::UnknownAccount));
    };
    let Some(mpin_hash) = account.mpin_hash.as_deref() else {
        return Err(DomainError::SignIn(Refusal::MpinNotSet));
    };
    let now = clock.now();
    let Some(charged) = charge(store, &account, Secret::Mpin, now).await? else {
        return Err(DomainError::SignIn(Refusal::UnknownAccount));
    };
    if !hasher.verify_mpin(attempt.mpin, Some(mpin_hash)).await? {
        let client = &attempt.client;
        let locked = record_wrong_secret(
            store,
            &account,
            Some(&device),
            client,
            Secret::Mpin,
            charged,
        )
        .await?;
        let secret = Secret::Mpin;
        return Err(DomainError::SignIn(Refusal::WrongSecret { secret, locked }));
    }
    let cleared = [Secret::Mpin];
    if rules::may_sign_in(account.banned).is_err() {
        return Err(refuse_banned(store, &account, &cleared).await?);
    }
    complete(
        store,
        &account,
        &cleared,
        DeviceUse::Known(device),
        attempt.client,
        now,
        attempt.lifetime,
    )
    .await
}
