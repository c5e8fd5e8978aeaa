//! A user's own secrets, changed with the current password. The new value is checked first
//! (a weak one is refused whatever the password), then the current password, which counts as
//! a password attempt of the user: charged before it is checked, five wrong ones in a row
//! lock the account as at sign-in. So these endpoints are no password oracle for a stolen
//! access token. A wrong password is a 422 on its field, never a 401, which clients read as
//! "signed out".

use uuid::Uuid;

use crate::auth::{Account, Client, charge, record_wrong_secret};
use crate::ports::{Audit, Clock, Commit, Devices, Lockouts, SecretHasher, Sessions, Store, Users};
use crate::{
    Actor, AuditEntry, AuditTarget, DomainError, Email, Guard, Invalid, Mpin, Password,
    PasswordPolicy, Secret,
};

/// A password change as the user sent it.
#[derive(Debug, Clone, Copy)]
pub struct OwnPasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    /// The session making the change: it stays signed in, every other one ends.
    pub session_id: Uuid,
    pub policy: PasswordPolicy,
}

/// Changes your password; every other session of yours ends and every other device is
/// removed; this session and its device stay.
pub async fn change_own_password(
    store: &impl Store,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    actor: &Actor,
    change: OwnPasswordChange<'_>,
) -> Result<(), DomainError> {
    let account = own_account(store, actor).await?;
    let email = Email::parse(&account.email)
        .map_err(|_| DomainError::fault("a stored email does not parse"))?;
    let new = Password::parse(change.new, Some(&email), change.policy)
        .map_err(|refused| DomainError::Invalid(refused.at("new_password")))?;
    check_own_password(
        store,
        hasher,
        clock,
        actor,
        &account,
        change.current,
        "current_password",
    )
    .await?;
    let hash = hasher.hash_password(&new).await?;
    let mut tx = store.begin(actor.company_id).await?;
    let this_device = (tx.session(change.session_id, clock.now()).await?).and_then(|s| s.device_id);
    tx.set_own_password(account.user_id, hash).await?;
    // Whoever held the old password loses their devices too (M-PIN sign-in included); the
    // device this change is made from stays.
    tx.remove_devices(account.user_id, this_device).await?;
    tx.save_guard(account.user_id, Secret::Password, Guard::reset())
        .await?;
    tx.revoke_other_sessions(account.user_id, change.session_id)
        .await?;
    tx.record(actor, own_change(actor, "password")).await?;
    tx.commit().await
}

/// Sets your M-PIN (which also lifts an M-PIN lock).
pub async fn change_own_mpin(
    store: &impl Store,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    actor: &Actor,
    password: &str,
    mpin: &str,
) -> Result<(), DomainError> {
    let mpin = Mpin::parse(mpin).map_err(|refused| DomainError::Invalid(refused.at("mpin")))?;
    let account = own_account(store, actor).await?;
    check_own_password(store, hasher, clock, actor, &account, password, "password").await?;
    let hash = hasher.hash_mpin(&mpin).await?;
    let mut tx = store.begin(actor.company_id).await?;
    tx.set_own_mpin(account.user_id, hash).await?;
    tx.save_guard(account.user_id, Secret::Password, Guard::reset())
        .await?;
    tx.record(actor, own_change(actor, "mpin")).await?;
    tx.commit().await
}

async fn own_account(store: &impl Store, actor: &Actor) -> Result<Account, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    tx.account(actor.own_user()?)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Charges a password attempt, then checks `password` against the actor's own, outside any
/// transaction (argon2 is slow). A locked account is refused before the check.
async fn check_own_password(
    store: &impl Store,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    actor: &Actor,
    account: &Account,
    password: &str,
    field: &str,
) -> Result<(), DomainError> {
    let charged = charge(store, account, Secret::Password, clock.now())
        .await?
        .ok_or(DomainError::NotFound)?;
    if hasher
        .verify_password(password, Some(&account.password_hash))
        .await?
    {
        return Ok(());
    }
    let client = Client {
        user_agent: None,
        ip: actor.ip.clone(),
    };
    record_wrong_secret(store, account, None, &client, Secret::Password, charged).await?;
    let wrong = Invalid::new("incorrect", "is not your current password");
    Err(DomainError::Invalid(wrong.at(field)))
}

fn own_change(actor: &Actor, field: &'static str) -> AuditEntry {
    AuditEntry {
        action: "user.updated",
        target: Some(AuditTarget {
            kind: "user",
            id: actor.id,
            name: actor.name.clone(),
        }),
        changes: vec![field],
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::Locked;
    use crate::auth::Refusal;
    use crate::testing::{MemoryStore, PlainHasher, SIGN_UP_PASSWORD, Seeded, run};

    const NOW: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

    fn refused_field(result: Result<(), DomainError>) -> String {
        match result {
            Err(DomainError::Invalid(error)) => error.field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    fn password_change<'a>(current: &'a str, new: &'a str) -> OwnPasswordChange<'a> {
        OwnPasswordChange {
            current,
            new,
            session_id: Uuid::nil(),
            policy: PasswordPolicy::default(),
        }
    }

    fn change_password(
        store: &MemoryStore,
        company: &Seeded,
        current: &str,
        new: &str,
    ) -> Result<(), DomainError> {
        let change = password_change(current, new);
        run(change_own_password(
            store,
            &PlainHasher,
            &NOW,
            &company.admin,
            change,
        ))
    }

    #[test]
    fn the_new_value_is_checked_before_the_current_password() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;

        let weak = change_password(&store, &company, "nope", "admin@example.com");
        let pin_weak = run(change_own_mpin(
            &store,
            &PlainHasher,
            &NOW,
            admin,
            "nope",
            "1234",
        ));
        let wrong = change_password(&store, &company, "nope", "a much better passphrase");
        let pin_wrong = run(change_own_mpin(
            &store,
            &PlainHasher,
            &NOW,
            admin,
            "nope",
            "4821",
        ));

        assert_eq!(refused_field(weak), "new_password");
        assert_eq!(refused_field(pin_weak), "mpin");
        assert_eq!(refused_field(wrong), "current_password");
        assert_eq!(refused_field(pin_wrong), "password");
        let after = store.company(company.company_id);
        assert_eq!(after.users[&admin.id].guards.password.failures, 2);
        let actions: Vec<_> = after.audit.iter().map(|e| e.action).collect();
        assert_eq!(actions, ["auth.login_failed", "auth.login_failed"]);
    }

    #[test]
    fn five_wrong_current_passwords_lock_the_account_even_for_the_right_one() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let new = "a much better passphrase";

        for _ in 0..5 {
            let wrong = change_password(&store, &company, "nope", new);
            assert_eq!(refused_field(wrong), "current_password");
        }
        let right = change_password(&store, &company, SIGN_UP_PASSWORD, new);

        assert!(matches!(
            right,
            Err(DomainError::SignIn(Refusal::Locked(Locked::Until(_))))
        ));
        let after = store.company(company.company_id);
        assert_eq!(
            after.users[&company.admin.id].password_hash,
            format!("plain:{SIGN_UP_PASSWORD}")
        );
        assert_eq!(after.audit.last().map(|e| e.action), Some("auth.locked"));
    }

    #[test]
    fn a_new_password_signs_out_the_other_sessions_and_is_audited() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let new = "a much better passphrase";
        change_password(&store, &company, "nope", new).expect_err("a wrong one first");

        change_password(&store, &company, SIGN_UP_PASSWORD, new).expect("changed");
        run(change_own_mpin(
            &store,
            &PlainHasher,
            &NOW,
            admin,
            new,
            "4821",
        ))
        .expect("set");

        let after = store.company(company.company_id);
        let user = &after.users[&admin.id];
        assert_eq!(user.password_hash, format!("plain:{new}"));
        assert_eq!(user.mpin_hash.as_deref(), Some("plain-mpin:4821"));
        assert_eq!(user.guards.password, Guard::reset());
        assert_eq!(after.signed_out, [admin.id]);
        let changes: Vec<_> = after.audit.iter().map(|e| e.changes.clone()).collect();
        assert_eq!(changes, [vec![], vec!["password"], vec!["mpin"]]);
    }

    #[test]
    fn a_new_password_removes_every_device_but_the_one_it_is_made_from() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let attempt = crate::auth::PasswordSignIn {
            company: &store.company(company.company_id).code,
            email: "admin@example.com",
            password: SIGN_UP_PASSWORD,
            register_device: Some(crate::auth::NewDevice {
                name: crate::Name::parse("Pixel").expect("name"),
                token_hash: "this one".into(),
            }),
            client: Client::default(),
            lifetime: crate::testing::lifetime(),
        };
        let signed_in = run(crate::auth::sign_in_with_password(
            &store,
            &PlainHasher,
            &NOW,
            attempt,
        ))
        .expect("signed in");
        store.add_device(company.company_id, company.admin.id);

        let change = OwnPasswordChange {
            session_id: signed_in.session_id,
            ..password_change(SIGN_UP_PASSWORD, "a much better passphrase")
        };
        run(change_own_password(
            &store,
            &PlainHasher,
            &NOW,
            &company.admin,
            change,
        ))
        .expect("changed");

        let devices = store.company(company.company_id).devices;
        let kept: Vec<_> = devices.keys().copied().collect();
        assert_eq!(
            kept,
            signed_in
                .device
                .map(|d| d.id)
                .into_iter()
                .collect::<Vec<_>>()
        );
    }
}
