//! API keys through their use cases on the in-memory store.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::testing::{MemoryStore, Seeded, new_user, run};
use crate::users::create_user;
use crate::{DomainError, Permission, Precondition, RuleViolation};

const AGENT: usize = 2;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
        .single()
        .expect("a valid instant")
}

fn digest(secret: &str) -> KeyDigest {
    KeyDigest {
        prefix: format!("cly_{}", &secret[..4]),
        hash: format!("hash-of-{secret}"),
    }
}

fn new_key(permissions: PermissionSet, expires_at: Option<DateTime<Utc>>) -> NewApiKey {
    NewApiKey {
        name: Name::parse("Zapier").expect("name"),
        permissions,
        expires_at,
    }
}

fn agent_read() -> PermissionSet {
    ["agent:read".parse::<Permission>().expect("permission")]
        .into_iter()
        .collect()
}

fn create(store: &MemoryStore, company: &Seeded, secret: &str) -> ApiKeyRecord {
    let new = new_key(agent_read(), Some(noon() + Duration::days(30)));
    run(create_api_key(
        store,
        &company.admin,
        new,
        digest(secret),
        noon(),
    ))
    .expect("created")
}

#[test]
fn a_key_is_found_by_its_hash_and_acts_with_its_own_permissions() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let created = create(&store, &company, "abcd1234");

    let found = run(authenticate(&store, "hash-of-abcd1234", noon()))
        .expect("read")
        .expect("the key");

    assert_eq!(found.company_id, company.company_id);
    assert_eq!(found.id, created.id);
    assert_eq!(found.permissions, agent_read());
    assert!(matches!(
        run(authenticate(&store, "hash-of-other", noon())),
        Ok(None)
    ));
}

#[test]
fn a_key_cannot_hold_what_its_creator_lacks_and_nothing_is_stored() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let agent_id = run(create_user(
        &store,
        &crate::testing::PlainHasher,
        &company.admin,
        new_user("agent@example.com", company.roles[AGENT]),
    ))
    .expect("agent");
    let agent = store.actor(company.company_id, agent_id);

    let refused = run(create_api_key(
        &store,
        &agent,
        new_key(PermissionSet::all(), None),
        digest("abcd1234"),
        noon(),
    ));

    assert!(matches!(
        refused,
        Err(DomainError::Rule(RuleViolation::Escalation))
    ));
    assert!(store.company(company.company_id).api_keys.is_empty());
}

#[test]
fn a_key_must_expire_in_the_future() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);

    let refused = run(create_api_key(
        &store,
        &company.admin,
        new_key(agent_read(), Some(noon())),
        digest("abcd1234"),
        noon(),
    ));

    match refused {
        Err(DomainError::Invalid(field)) => assert_eq!(field.field, "expires_at"),
        other => panic!("expected a refused expiry, got {other:?}"),
    }
}

#[test]
fn an_expired_or_deleted_key_no_longer_acts() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let expiring = create(&store, &company, "abcd1234");
    let deleted = create(&store, &company, "efgh5678");
    let expiry = expiring.expires_at.expect("an expiry");

    let before_expiry = run(authenticate(
        &store,
        "hash-of-abcd1234",
        expiry - Duration::seconds(1),
    ));
    let at_expiry = run(authenticate(&store, "hash-of-abcd1234", expiry));
    run(delete_api_key(&store, &company.admin, deleted.id)).expect("deleted");

    assert!(matches!(before_expiry, Ok(Some(_))));
    assert!(matches!(at_expiry, Ok(None)));
    assert!(matches!(
        run(authenticate(&store, "hash-of-efgh5678", noon())),
        Ok(None)
    ));
    assert!(matches!(
        run(delete_api_key(&store, &company.admin, deleted.id)),
        Err(DomainError::NotFound)
    ));
}

#[test]
fn a_key_outlives_the_person_who_created_it() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let manager_id = run(create_user(
        &store,
        &crate::testing::PlainHasher,
        &company.admin,
        new_user("manager@example.com", company.roles[1]),
    ))
    .expect("manager");
    let manager = store.actor(company.company_id, manager_id);
    let new = new_key(agent_read(), None);
    run(create_api_key(
        &store,
        &manager,
        new,
        digest("abcd1234"),
        noon(),
    ))
    .expect("created");

    crate::testing::run(crate::users::delete_user(
        &store,
        &company.admin,
        manager_id,
        &Precondition::default(),
    ))
    .expect("manager deleted");

    assert!(matches!(
        run(authenticate(&store, "hash-of-abcd1234", noon())),
        Ok(Some(_))
    ));
}

#[test]
fn the_last_use_is_recorded_at_most_once_a_minute() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let key = create(&store, &company, "abcd1234");
    let last_used = |store: &MemoryStore| {
        store.company(company.company_id).api_keys[&key.id]
            .record
            .last_used_at
    };

    run(authenticate(&store, "hash-of-abcd1234", noon())).expect("first use");
    assert_eq!(last_used(&store), Some(noon()));
    run(authenticate(
        &store,
        "hash-of-abcd1234",
        noon() + Duration::seconds(59),
    ))
    .expect("use");
    assert_eq!(last_used(&store), Some(noon()));
    let later = noon() + Duration::seconds(LAST_USE_PRECISION_SECONDS);
    run(authenticate(&store, "hash-of-abcd1234", later)).expect("a minute later");
    assert_eq!(last_used(&store), Some(later));
}

#[test]
fn creating_and_deleting_a_key_are_audited_by_name() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let key = create(&store, &company, "abcd1234");
    run(delete_api_key(&store, &company.admin, key.id)).expect("deleted");

    let audit = store.company(company.company_id).audit;
    let actions: Vec<_> = audit.iter().map(|e| e.action).collect();
    assert_eq!(
        actions[actions.len() - 2..],
        ["api_key.created", "api_key.deleted"]
    );
    let target = audit
        .last()
        .and_then(|e| e.target.clone())
        .expect("a target");
    assert_eq!(
        (target.kind, target.id, target.name.as_str()),
        ("api_key", key.id, "Zapier")
    );
}
