//! A user's own secrets, changed with the current password: checked first (a wrong one is a
//! 422 on its field, never a 401, which clients read as "signed out"), then the new value.

use uuid::Uuid;

use crate::ports::{Audit, Commit, SecretHasher, Sessions, Store, Users};
use crate::{
    Actor, AuditEntry, AuditTarget, DomainError, Email, Invalid, Mpin, Password, PasswordPolicy,
};

/// Changes your password; every other session of yours ends, this one (`session_id`) stays.
pub async fn change_own_password(
    store: &impl Store,
    hasher: &impl SecretHasher,
    actor: &Actor,
    session_id: Uuid,
    current: &str,
    new: &str,
    policy: PasswordPolicy,
) -> Result<(), DomainError> {
    let email = check_own_password(store, hasher, actor, current, "current_password").await?;
    let new = Password::parse(new, Some(&email), policy)
        .map_err(|refused| DomainError::Invalid(refused.at("new_password")))?;
    let hash = hasher.hash_password(&new).await?;
    let mut tx = store.begin(actor.company_id).await?;
    tx.set_own_password(actor.user_id, hash).await?;
    tx.revoke_other_sessions(actor.user_id, session_id).await?;
    tx.record(actor, own_change(actor, "password")).await?;
    tx.commit().await
}

/// Sets your M-PIN (which also lifts an M-PIN lock).
pub async fn change_own_mpin(
    store: &impl Store,
    hasher: &impl SecretHasher,
    actor: &Actor,
    password: &str,
    mpin: &str,
) -> Result<(), DomainError> {
    check_own_password(store, hasher, actor, password, "password").await?;
    let mpin = Mpin::parse(mpin).map_err(|refused| DomainError::Invalid(refused.at("mpin")))?;
    let hash = hasher.hash_mpin(&mpin).await?;
    let mut tx = store.begin(actor.company_id).await?;
    tx.set_own_mpin(actor.user_id, hash).await?;
    tx.record(actor, own_change(actor, "mpin")).await?;
    tx.commit().await
}

/// Checks `password` against the actor's own, outside any transaction (argon2 is slow);
/// returns their email, which a new password must differ from.
async fn check_own_password(
    store: &impl Store,
    hasher: &impl SecretHasher,
    actor: &Actor,
    password: &str,
    field: &str,
) -> Result<Email, DomainError> {
    let secrets = {
        let mut tx = store.begin(actor.company_id).await?;
        tx.own_secrets(actor.user_id)
            .await?
            .ok_or(DomainError::NotFound)?
    };
    if !hasher
        .verify_password(password, Some(&secrets.password_hash))
        .await?
    {
        let wrong = Invalid::new("incorrect", "is not your current password");
        return Err(DomainError::Invalid(wrong.at(field)));
    }
    Email::parse(&secrets.email).map_err(|_| DomainError::fault("a stored email does not parse"))
}

fn own_change(actor: &Actor, field: &'static str) -> AuditEntry {
    AuditEntry {
        action: "user.updated",
        target: Some(AuditTarget {
            kind: "user",
            id: actor.user_id,
            name: actor.name.clone(),
        }),
        changes: vec![field],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, PlainHasher, SIGN_UP_PASSWORD, run};

    fn refused_field(result: Result<(), DomainError>) -> String {
        match result {
            Err(DomainError::Invalid(error)) => error.field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[test]
    fn the_current_password_is_checked_before_the_new_value() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let policy = PasswordPolicy::default();
        let session = Uuid::nil();

        let wrong = run(change_own_password(
            &store,
            &PlainHasher,
            admin,
            session,
            "nope",
            "x",
            policy,
        ));
        let weak = run(change_own_password(
            &store,
            &PlainHasher,
            admin,
            session,
            SIGN_UP_PASSWORD,
            "admin@example.com",
            policy,
        ));
        let pin_wrong = run(change_own_mpin(&store, &PlainHasher, admin, "nope", "1234"));
        let pin_weak = run(change_own_mpin(
            &store,
            &PlainHasher,
            admin,
            SIGN_UP_PASSWORD,
            "1234",
        ));

        assert_eq!(refused_field(wrong), "current_password");
        assert_eq!(refused_field(weak), "new_password");
        assert_eq!(refused_field(pin_wrong), "password");
        assert_eq!(refused_field(pin_weak), "mpin");
        assert!(store.company(company.company_id).audit.is_empty());
    }

    #[test]
    fn a_new_password_signs_out_the_other_sessions_and_is_audited() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let new = "a much better passphrase";

        run(change_own_password(
            &store,
            &PlainHasher,
            admin,
            Uuid::nil(),
            SIGN_UP_PASSWORD,
            new,
            PasswordPolicy::default(),
        ))
        .expect("changed");
        run(change_own_mpin(&store, &PlainHasher, admin, new, "4821")).expect("set");

        let after = store.company(company.company_id);
        let user = &after.users[&admin.user_id];
        assert_eq!(user.password_hash, format!("plain:{new}"));
        assert_eq!(user.mpin_hash.as_deref(), Some("plain-mpin:4821"));
        assert_eq!(after.signed_out, [admin.user_id]);
        let changes: Vec<_> = after.audit.iter().map(|e| e.changes.clone()).collect();
        assert_eq!(changes, [vec!["password"], vec!["mpin"]]);
    }
}
