//! The user invariants, each through its use case on the in-memory store.

use uuid::Uuid;

use super::{UserPatch, create_user, delete_user, update_user};
use crate::ports::GroupKind;
use crate::testing::{MemoryStore, PlainHasher, Seeded, new_user, run};
use crate::{
    DomainError, EmployeeCode, LeadCap, Mpin, Name, Precondition, RuleViolation, UniqueField,
    Version,
};

const ADMIN: usize = 0;
const MANAGER: usize = 1;
const AGENT: usize = 2;

fn create(store: &MemoryStore, company: &Seeded, email: &str, role: usize) -> Uuid {
    run(create_user(
        store,
        &PlainHasher,
        &company.admin,
        new_user(email, company.roles[role]),
    ))
    .expect("created")
}

fn ban(banned: bool) -> UserPatch {
    UserPatch {
        banned: Some(banned),
        ..UserPatch::default()
    }
}

fn rule(result: Result<impl Sized, DomainError>) -> RuleViolation {
    match result {
        Err(DomainError::Rule(rule)) => rule,
        Err(other) => panic!("expected a broken rule, got {other:?}"),
        Ok(_) => panic!("expected a broken rule, got success"),
    }
}

#[test]
fn the_last_seat_can_be_taken_and_no_more() {
    let store = MemoryStore::default();
    let company = store.sign_up(2);
    create(&store, &company, "one@example.com", AGENT);

    let refused = run(create_user(
        &store,
        &PlainHasher,
        &company.admin,
        new_user("two@example.com", company.roles[AGENT]),
    ));

    assert_eq!(rule(refused), RuleViolation::AgentLimitReached { limit: 2 });
    assert_eq!(store.company(company.company_id).users.len(), 2);
}

#[test]
fn a_manager_cannot_create_a_company_admin_nor_touch_one() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let manager_id = create(&store, &company, "manager@example.com", MANAGER);
    let manager = store.actor(company.company_id, manager_id);

    let new_admin = run(create_user(
        &store,
        &PlainHasher,
        &manager,
        new_user("boss@example.com", company.roles[ADMIN]),
    ));
    let ban_admin = run(update_user(
        &store,
        &PlainHasher,
        &manager,
        company.admin.id,
        ban(true),
    ));
    let delete_admin = run(delete_user(
        &store,
        &manager,
        company.admin.id,
        &Default::default(),
    ));

    assert_eq!(rule(new_admin), RuleViolation::Escalation);
    assert_eq!(rule(ban_admin), RuleViolation::Escalation);
    assert_eq!(rule(delete_admin), RuleViolation::Escalation);
}

#[test]
fn the_last_active_company_admin_can_be_neither_banned_nor_deleted() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let second = create(&store, &company, "second@example.com", ADMIN);
    let as_second = store.actor(company.company_id, second);
    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        second,
        ban(true),
    ))
    .expect("one admin stays active");

    // The second admin is banned: the first is the last active one.
    let unbanned_first = store.actor(company.company_id, company.admin.id);
    let by_banned = run(delete_user(
        &store,
        &as_second,
        company.admin.id,
        &Default::default(),
    ));
    assert_eq!(rule(by_banned), RuleViolation::LastAdmin);
    assert_eq!(
        rule(run(delete_user(
            &store,
            &unbanned_first,
            unbanned_first.id,
            &Default::default()
        ))),
        RuleViolation::SelfAction
    );
    // Deleting the banned admin removes no active one.
    run(delete_user(
        &store,
        &unbanned_first,
        second,
        &Default::default(),
    ))
    .expect("a banned admin can go");
    assert_eq!(store.company(company.company_id).active_admins(), 1);
}

#[test]
fn nobody_bans_or_deletes_themselves() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    create(&store, &company, "second@example.com", ADMIN);
    let me = company.admin.id;

    let banned = run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        me,
        ban(true),
    ));
    let deleted = run(delete_user(&store, &company.admin, me, &Default::default()));

    assert_eq!(rule(banned), RuleViolation::SelfAction);
    assert_eq!(rule(deleted), RuleViolation::SelfAction);
}

#[test]
fn a_ban_keeps_the_seat_and_is_audited_apart_from_other_changes() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let agent = create(&store, &company, "agent@example.com", AGENT);
    let patch = UserPatch {
        banned: Some(true),
        lead_cap: Some(LeadCap::parse(5).expect("cap")),
        ..UserPatch::default()
    };

    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        patch,
    ))
    .expect("banned");
    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        ban(false),
    ))
    .expect("unbanned");

    let after = store.company(company.company_id);
    assert_eq!(after.users.len(), 2);
    let actions: Vec<_> = after
        .audit
        .iter()
        .map(|e| (e.action, e.changes.clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user.created", vec![]),
            ("user.banned", vec![]),
            ("user.updated", vec!["lead_cap"]),
            ("user.unbanned", vec![]),
        ]
    );
}

#[test]
fn a_reset_signs_the_user_out_and_a_no_op_writes_nothing() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let agent = create(&store, &company, "agent@example.com", AGENT);
    let reset = UserPatch {
        mpin: Some(Mpin::parse("4821").expect("pin")),
        ..UserPatch::default()
    };
    let same_name = UserPatch {
        name: Some(Name::parse("Asha Rao").expect("name")),
        ..UserPatch::default()
    };

    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        reset,
    ))
    .expect("reset");
    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        same_name,
    ))
    .expect("no-op");

    let after = store.company(company.company_id);
    assert_eq!(after.signed_out, [agent]);
    assert_eq!(
        after.users[&agent].mpin_hash.as_deref(),
        Some("plain-mpin:4821")
    );
    assert_eq!(
        after.audit.last().map(|e| e.changes.clone()),
        Some(vec!["mpin"])
    );
}

#[test]
fn a_refused_change_leaves_nothing_behind() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let agent = create(&store, &company, "agent@example.com", AGENT);
    let mut taken = new_user("other@example.com", company.roles[AGENT]);
    taken.details.employee_code = Some(EmployeeCode::parse("E-1").expect("code"));
    run(create_user(&store, &PlainHasher, &company.admin, taken)).expect("created");
    let before = store.company(company.company_id);
    let clash = UserPatch {
        name: Some(Name::parse("Renamed").expect("name")),
        employee_code: Some(Some(EmployeeCode::parse("E-1").expect("code"))),
        ..UserPatch::default()
    };

    let refused = run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        clash,
    ));

    assert!(matches!(
        refused,
        Err(DomainError::Conflict(UniqueField::EmployeeCode))
    ));
    let after = store.company(company.company_id);
    assert_eq!(after.users, before.users);
    assert_eq!(after.audit, before.audit);
}

#[test]
fn ids_that_name_nothing_are_refused_on_their_field() {
    let store = MemoryStore::default();
    let company = store.sign_up(10);
    let branch = store.add_group(company.company_id, GroupKind::Branch, "Pune");
    let mut new = new_user("agent@example.com", company.roles[AGENT]);
    new.details.branch_id = Some(branch);
    new.details.department_id = Some(branch);

    let refused = run(create_user(&store, &PlainHasher, &company.admin, new));

    match refused {
        Err(DomainError::Invalid(error)) => assert_eq!(error.field, "department_id"),
        other => panic!("expected a refused department, got {other:?}"),
    }
}

#[test]
fn a_ban_signs_the_user_out_and_an_unban_signs_nobody_in() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let agent = create(&store, &company, "agent@example.com", AGENT);

    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        ban(true),
    ))
    .expect("banned");
    run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        ban(false),
    ))
    .expect("unbanned");

    assert_eq!(store.company(company.company_id).signed_out, [agent]);
}

#[test]
fn your_own_secrets_are_no_admin_reset() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let admin = &company.admin;
    let own_mpin = UserPatch {
        mpin: Some(Mpin::parse("4821").expect("mpin")),
        ..UserPatch::default()
    };
    let own_name = UserPatch {
        name: Some(Name::parse("Renamed").expect("name")),
        ..UserPatch::default()
    };

    let refused = run(update_user(&store, &PlainHasher, admin, admin.id, own_mpin));
    let renamed = run(update_user(&store, &PlainHasher, admin, admin.id, own_name));

    assert_eq!(rule(refused), RuleViolation::SelfAction);
    assert!(renamed.is_ok());
    let after = store.company(company.company_id);
    assert_eq!(after.users[&admin.id].mpin_hash, None);
    assert!(after.signed_out.is_empty());
}

#[test]
fn a_password_reset_removes_every_device_and_an_mpin_reset_none() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let agent = create(&store, &company, "agent@example.com", AGENT);
    let other = create(&store, &company, "other@example.com", AGENT);
    store.add_device(company.company_id, agent);
    store.add_device(company.company_id, other);
    let reset = |patch: UserPatch| {
        run(update_user(
            &store,
            &PlainHasher,
            &company.admin,
            agent,
            patch,
        ))
    };

    reset(UserPatch {
        mpin: Some(Mpin::parse("4821").expect("mpin")),
        ..UserPatch::default()
    })
    .expect("mpin reset");
    let after_mpin = store.company(company.company_id).devices.len();
    reset(UserPatch {
        password: Some(
            crate::Password::parse("a brand new secret", None, Default::default())
                .expect("password"),
        ),
        ..UserPatch::default()
    })
    .expect("password reset");

    assert_eq!(after_mpin, 2);
    let devices = store.company(company.company_id).devices;
    assert!(devices.values().all(|d| d.user_id == other));
}

#[test]
fn a_change_conditioned_on_an_older_version_changes_nothing() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let agent = create(&store, &company, "agent@example.com", AGENT);
    let version = |store: &MemoryStore| {
        store.company(company.company_id).users[&agent]
            .record
            .version
    };
    let read_at = version(&store);
    let rename = |name: &str, precondition: Precondition| UserPatch {
        name: Some(Name::parse(name).expect("name")),
        precondition,
        ..UserPatch::default()
    };

    let first = run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        rename("First Admin's Edit", Precondition::OneOf(vec![read_at])),
    ));
    let after_first = version(&store);
    let second = run(update_user(
        &store,
        &PlainHasher,
        &company.admin,
        agent,
        rename("Second Admin's Edit", Precondition::OneOf(vec![read_at])),
    ));
    let stale_delete = run(delete_user(
        &store,
        &company.admin,
        agent,
        &Precondition::OneOf(vec![read_at]),
    ));

    first.expect("at the version it was read at");
    assert_eq!(after_first, Version(read_at.0 + 1));
    assert!(matches!(second, Err(DomainError::PreconditionFailed)));
    assert!(matches!(stale_delete, Err(DomainError::PreconditionFailed)));
    let user = &store.company(company.company_id).users[&agent];
    assert_eq!(user.record.name, "First Admin's Edit");
    assert_eq!(user.record.version, after_first, "nothing changed");
    run(delete_user(
        &store,
        &company.admin,
        agent,
        &Precondition::OneOf(vec![after_first]),
    ))
    .expect("at the current version");
}

#[test]
fn a_user_provisioned_deactivated_is_banned_from_the_start_and_takes_a_seat() {
    let store = MemoryStore::default();
    let company = store.sign_up(2);
    let mut new = new_user("leaver@example.com", company.roles[AGENT]);
    new.details.banned = true;

    let id = run(create_user(&store, &PlainHasher, &company.admin, new)).expect("created");

    let after = store.company(company.company_id);
    assert!(after.users[&id].record.banned);
    let actions: Vec<_> = after.audit.iter().map(|e| e.action).collect();
    assert_eq!(
        actions[actions.len() - 2..],
        ["user.created", "user.banned"]
    );
    let refused = run(create_user(
        &store,
        &PlainHasher,
        &company.admin,
        new_user("next@example.com", company.roles[AGENT]),
    ));
    assert_eq!(rule(refused), RuleViolation::AgentLimitReached { limit: 2 });
}
