//! The sign-in use cases on the in-memory store, with a fixed clock.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::testing::{MemoryStore, PlainHasher, SIGN_UP_PASSWORD, Seeded, run};
use crate::{CompanyCode, CompanyName, DomainError, Email, Password, PasswordPolicy};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("time")
}

fn code(store: &MemoryStore, company: &Seeded) -> String {
    store.company(company.company_id).code
}

fn password<'a>(code: &'a str, password: &'a str) -> PasswordSignIn<'a> {
    PasswordSignIn {
        company: code,
        email: "admin@example.com",
        password,
        register_device: None,
        client: Client::default(),
        lifetime: crate::testing::lifetime(),
    }
}

fn refusal<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Refusal {
    match result {
        Err(DomainError::SignIn(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn actions(store: &MemoryStore, company: &Seeded) -> Vec<&'static str> {
    let audit = store.company(company.company_id).audit;
    audit.iter().map(|e| e.action).collect()
}

/// Six wrong passwords in a row at `attempt`'s identity, a second apart: what each answered.
fn six_wrong(store: &MemoryStore, attempt: PasswordSignIn<'_>) -> Vec<Refusal> {
    (0..6)
        .map(|i| {
            let attempt = PasswordSignIn {
                password: "wrong",
                ..attempt.clone()
            };
            refusal(run(sign_in_with_password(
                store,
                &PlainHasher,
                &at(i),
                attempt,
            )))
        })
        .collect()
}

#[test]
fn unknown_identities_are_refused_and_locked_exactly_like_a_real_account() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let code = code(&store, &company);
    let real = six_wrong(&store, password(&code, "-"));
    let unknown = [
        password("no-such-co", "-"),
        password("NOT A CODE!", "-"),
        PasswordSignIn {
            email: "Nobody@Example.com",
            ..password(&code, "-")
        },
    ];

    let wrong = |locked| Refusal::WrongSecret {
        secret: Secret::Password,
        locked,
    };
    let mut expected = vec![wrong(false); 4];
    expected.push(wrong(true));
    expected.push(Refusal::Locked(Locked::Until(at(4 + 60))));
    assert_eq!(real, expected);
    for attempt in unknown {
        assert_eq!(six_wrong(&store, attempt.clone()), expected, "{attempt:?}");
    }
    let guard = store
        .identity_guard(&Identity::of(&code, " nobody@example.COM"))
        .expect("kept under the normalised email");
    assert_eq!(guard.failures, 5);
    assert!(store.company(company.company_id).sessions.is_empty());
    let audit = actions(&store, &company);
    assert_eq!(
        audit.len(),
        6,
        "only the real account's five failures and lock"
    );
}

#[test]
fn an_unknown_identitys_guard_is_purged_once_its_failures_are_forgotten() {
    let store = MemoryStore::default();
    let identity = Identity::of("no-such-co", "admin@example.com");
    six_wrong(&store, password("no-such-co", "-"));
    let last_failure = at(4);
    let day = Duration::hours(24);

    let early = run(purge_forgotten_identities(
        &store,
        &(last_failure + day - Duration::seconds(1)),
    ));
    let kept = store.identity_guard(&identity);
    let late = run(purge_forgotten_identities(
        &store,
        &(last_failure + day + Duration::seconds(1)),
    ));

    assert_eq!((early.unwrap(), late.unwrap()), (0, 1));
    assert_eq!(kept.map(|g| g.failures), Some(5));
    assert_eq!(store.identity_guard(&identity), None);
}

#[test]
fn five_wrong_passwords_lock_even_the_right_one_until_the_lock_ends() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let code = code(&store, &company);
    let wrong = |now| {
        run(sign_in_with_password(
            &store,
            &PlainHasher,
            &now,
            password(&code, "nope"),
        ))
    };

    let refusals: Vec<_> = (0..5).map(|i| refusal(wrong(at(i)))).collect();
    let right_while_locked = run(sign_in_with_password(
        &store,
        &PlainHasher,
        &at(10),
        password(&code, SIGN_UP_PASSWORD),
    ));
    let right_after = run(sign_in_with_password(
        &store,
        &PlainHasher,
        &at(4 + 61),
        password(&code, SIGN_UP_PASSWORD),
    ));

    assert_eq!(
        refusals[..4],
        [Refusal::WrongSecret {
            secret: Secret::Password,
            locked: false
        }; 4]
    );
    assert_eq!(
        refusals[4],
        Refusal::WrongSecret {
            secret: Secret::Password,
            locked: true
        }
    );
    assert!(matches!(
        refusal(right_while_locked),
        Refusal::Locked(Locked::Until(_))
    ));
    let signed_in = right_after.expect("the lock ended");
    assert_eq!(signed_in.user_id, company.admin.id);
    let after = store.company(company.company_id);
    assert_eq!(after.users[&company.admin.id].guards, Default::default());
    assert_eq!(after.sessions[&signed_in.session_id].generation, 0);
    let audit = actions(&store, &company);
    assert_eq!(
        audit.iter().filter(|a| **a == "auth.login_failed").count(),
        5
    );
    assert_eq!(audit[5..], ["auth.locked", "auth.login"]);
}

#[test]
fn a_banned_user_is_refused_only_after_the_right_password() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let code = code(&store, &company);
    store.set_banned(company.company_id, company.admin.id);

    let wrong = run(sign_in_with_password(
        &store,
        &PlainHasher,
        &at(0),
        password(&code, "nope"),
    ));
    let right = run(sign_in_with_password(
        &store,
        &PlainHasher,
        &at(1),
        password(&code, SIGN_UP_PASSWORD),
    ));

    assert!(matches!(refusal(wrong), Refusal::WrongSecret { .. }));
    assert_eq!(refusal(right), Refusal::Banned);
    let after = store.company(company.company_id);
    assert!(after.sessions.is_empty());
    assert_eq!(after.users[&company.admin.id].guards, Default::default());
}

/// Signs in with the password, registering a device whose token hash is `token`; sets the
/// M-PIN 4821.
fn with_device(store: &MemoryStore, company: &Seeded, token: &str) {
    let code = code(store, company);
    let attempt = PasswordSignIn {
        register_device: Some(NewDevice {
            name: crate::Name::parse("Pixel").expect("name"),
            token_hash: token.to_owned(),
        }),
        ..password(&code, SIGN_UP_PASSWORD)
    };
    let signed_in = run(sign_in_with_password(store, &PlainHasher, &at(0), attempt)).expect("in");
    assert!(signed_in.device.is_some());
    let now = at(0);
    let mpin = crate::users::change_own_mpin(
        store,
        &PlainHasher,
        &now,
        &company.admin,
        SIGN_UP_PASSWORD,
        "4821",
    );
    run(mpin).expect("mpin set");
}

fn mpin_attempt<'a>(code: &'a str, mpin: &'a str, token: &'a str) -> MpinSignIn<'a> {
    MpinSignIn {
        company: code,
        email: "admin@example.com",
        mpin,
        device_token_hash: token,
        client: Client::default(),
        lifetime: crate::testing::lifetime(),
    }
}

#[test]
fn an_mpin_signs_in_only_on_a_registered_device_and_locks_until_a_password_sign_in() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let code = code(&store, &company);
    let before_device = run(sign_in_with_mpin(
        &store,
        &PlainHasher,
        &at(0),
        mpin_attempt(&code, "4821", "t1"),
    ));
    assert_eq!(refusal(before_device), Refusal::UnknownAccount);
    with_device(&store, &company, "t1");
    let mpin = |pin, token| {
        run(sign_in_with_mpin(
            &store,
            &PlainHasher,
            &at(5),
            mpin_attempt(&code, pin, token),
        ))
    };

    assert_eq!(
        refusal(mpin("4821", "someone else's")),
        Refusal::UnknownAccount
    );
    let signed_in = mpin("4821", "t1").expect("signed in");
    assert_eq!(signed_in.device.map(|d| d.name), Some("Pixel".to_owned()));
    let wrong: Vec<_> = (0..5).map(|_| refusal(mpin("1111", "t1"))).collect();
    assert_eq!(
        wrong[4],
        Refusal::WrongSecret {
            secret: Secret::Mpin,
            locked: true
        }
    );
    assert_eq!(
        refusal(mpin("4821", "t1")),
        Refusal::Locked(Locked::UntilReset)
    );

    run(sign_in_with_password(
        &store,
        &PlainHasher,
        &at(6),
        password(&code, SIGN_UP_PASSWORD),
    ))
    .expect("in");
    assert!(mpin("4821", "t1").is_ok());
}

/// A signed-up company whose admin signed in with the password at `at(0)`.
fn signed_in_admin() -> (MemoryStore, Seeded, SignedIn) {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let code = code(&store, &company);
    let attempt = password(&code, SIGN_UP_PASSWORD);
    let signed_in = run(sign_in_with_password(&store, &PlainHasher, &at(0), attempt));
    (store, company, signed_in.expect("signed in"))
}

fn refresh_at(
    store: &MemoryStore,
    signed_in: &SignedIn,
    generation: i64,
) -> Result<Refreshed, DomainError> {
    let (company, session) = (signed_in.company_id, signed_in.session_id);
    run(refresh(
        store,
        &at(1),
        company,
        session,
        generation,
        crate::testing::lifetime(),
    ))
}

#[test]
fn a_session_ends_at_its_max_age_however_often_it_is_refreshed() {
    let (store, company, signed_in) = signed_in_admin();
    let (id, session) = (company.company_id, signed_in.session_id);
    let short = SessionLifetime {
        idle: Duration::seconds(30),
        max_age: Duration::seconds(60),
    };

    let early = run(refresh(&store, &at(50), id, session, 0, short)).expect("refreshed");
    let capped = store.company(id).sessions[&session].expires_at;
    // A lowered max age ends a session that is already older, at its next refresh.
    let (older_store, older_company, older_session) = signed_in_admin();
    let late = run(refresh(
        &older_store,
        &at(100),
        older_company.company_id,
        older_session.session_id,
        0,
        short,
    ));

    assert_eq!(early.generation, 1);
    assert_eq!(capped, at(60), "idle would give at(80)");
    assert_eq!(refusal(late), Refusal::SessionEnded);
    let older_after = older_store.company(older_company.company_id);
    assert!(older_after.sessions[&older_session.session_id].revoked);
}

#[test]
fn a_refresh_token_rotates_once_and_a_replay_ends_the_session() {
    let (store, company, signed_in) = signed_in_admin();

    let first = refresh_at(&store, &signed_in, 0).expect("rotated");
    let replay = refresh_at(&store, &signed_in, 0);
    let after_replay = refresh_at(&store, &signed_in, 1);

    assert_eq!(first.generation, 1);
    assert_eq!(refusal(replay), Refusal::SessionEnded);
    assert_eq!(refusal(after_replay), Refusal::SessionEnded);
    assert!(store.company(company.company_id).sessions[&signed_in.session_id].revoked);
}

#[test]
fn a_banned_users_session_does_not_refresh() {
    let (store, company, signed_in) = signed_in_admin();
    store.set_banned(company.company_id, company.admin.id);

    let refreshed = refresh_at(&store, &signed_in, 0);

    assert_eq!(refusal(refreshed), Refusal::SessionEnded);
}

#[test]
fn sign_up_derives_a_free_code_and_signs_the_admin_in() {
    let store = MemoryStore::default();
    let form = || SignUp {
        company_name: CompanyName::parse("Acme Calls").expect("name"),
        company_code: None,
        admin_name: crate::Name::parse("Asha").expect("name"),
        admin_email: Email::parse("asha@example.com").expect("email"),
        password: Password::parse("correct horse battery", None, PasswordPolicy::default())
            .expect("password"),
        agent_limit: 5,
        client: Client::default(),
        lifetime: crate::testing::lifetime(),
    };

    let first = run(sign_up(&store, &PlainHasher, &at(0), form())).expect("first");
    let second = run(sign_up(&store, &PlainHasher, &at(0), form())).expect("second");
    let chosen = SignUp {
        company_code: Some(CompanyCode::parse("acme-calls").expect("code")),
        ..form()
    };
    let taken = run(sign_up(&store, &PlainHasher, &at(0), chosen));

    assert_eq!(first.company.code, "acme-calls");
    assert!(second.company.code.starts_with("acme-calls-"));
    assert!(matches!(
        taken,
        Err(DomainError::Conflict(crate::UniqueField::CompanyCode))
    ));
    let company = store.company(first.company.company_id);
    assert_eq!(
        company.sessions[&first.session_id].user_id,
        first.company.admin_id
    );
}
