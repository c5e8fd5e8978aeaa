//! Model-based test of the use cases: random sequences of operations on users, seats and
//! leads, each outcome predicted from the state before it by the rules as the contract states
//! them, and the invariants checked after every step: seats <= limit, an active Company
//! Admin, nobody pushed past their lead cap (only lowering a cap leaves someone above it), no
//! new lead for a banned user, no sign-in by a banned user. A refused operation must leave
//! nothing behind.
//!
//! Besides the three default roles the company has a "Deputy" role: not the system role, yet
//! granting every permission, so its holders may delete and ban Company Admins and only the
//! last-admin rule stands in their way.
//!
//! The contract's one exception to "an active Company Admin remains": changing the last
//! admin's role is allowed (the CLI's `admin restore` is the way back), so the admin invariant
//! is asserted until a role change has taken the last one out.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::{Company, MemoryStore, PlainHasher, SIGN_UP_PASSWORD, new_user, run};
use crate::auth::{Client, PasswordSignIn, sign_in_with_password};
use crate::leads::{LeadPatch, NewLead, create_leads, distribute, update_lead};
use crate::subscription::set_agent_limit;
use crate::users::{UserPatch, create_user, delete_user, update_user};
use crate::{Action, LeadCap, LeadStatus, Name, Permission, PermissionSet, Precondition, Resource};

#[derive(Debug, Clone)]
enum Op {
    Create {
        role: usize,
        email: u8,
    },
    Rename {
        user: usize,
        name: u8,
    },
    Ban {
        user: usize,
    },
    Unban {
        user: usize,
    },
    Delete {
        user: usize,
    },
    ChangeRole {
        user: usize,
        role: usize,
    },
    SetCap {
        user: usize,
        cap: u16,
    },
    SetLimit {
        limit: i64,
    },
    CreateLeads {
        count: usize,
        assignee: Option<usize>,
        closed: bool,
    },
    AssignLead {
        lead: usize,
        user: Option<usize>,
    },
    SetLeadStatus {
        lead: usize,
        status: usize,
    },
    Distribute,
    /// A password sign-in of the user, with their right password.
    SignIn {
        user: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize, 0..40u8).prop_map(|(role, email)| Op::Create { role, email }),
        1 => (any::<usize>(), 0..4u8).prop_map(|(user, name)| Op::Rename { user, name }),
        2 => any::<usize>().prop_map(|user| Op::Ban { user }),
        1 => any::<usize>().prop_map(|user| Op::Unban { user }),
        2 => any::<usize>().prop_map(|user| Op::Delete { user }),
        2 => (any::<usize>(), 0..4usize).prop_map(|(user, role)| Op::ChangeRole { user, role }),
        1 => (any::<usize>(), 0..200u16).prop_map(|(user, cap)| Op::SetCap { user, cap }),
        1 => (0..14i64).prop_map(|limit| Op::SetLimit { limit }),
        3 => (1..4usize, proptest::option::of(any::<usize>()), proptest::bool::weighted(0.2))
            .prop_map(|(count, assignee, closed)| Op::CreateLeads { count, assignee, closed }),
        3 => (any::<usize>(), proptest::option::of(any::<usize>()))
            .prop_map(|(lead, user)| Op::AssignLead { lead, user }),
        2 => (any::<usize>(), 0..5usize).prop_map(|(lead, status)| Op::SetLeadStatus { lead, status }),
        1 => Just(Op::Distribute),
        1 => any::<usize>().prop_map(|user| Op::SignIn { user }),
    ]
}

/// The `n`-th user of the company, in id order.
fn nth_user(company: &Company, n: usize) -> Uuid {
    let ids: Vec<Uuid> = company.users.keys().copied().collect();
    ids[n % ids.len()]
}

/// Whoever the API would let make the request: an active user holding `needed`.
fn pick_actor(company: &Company, n: usize, needed: Permission) -> Option<Uuid> {
    let able: Vec<Uuid> = company
        .users
        .values()
        .filter(|u| {
            !u.record.banned
                && company.roles[&u.record.role_id]
                    .permissions
                    .contains(needed)
        })
        .map(|u| u.record.id)
        .collect();
    (!able.is_empty()).then(|| able[n % able.len()])
}

/// The actor holds everything `role` grants.
fn within(company: &Company, actor: Uuid, role: Uuid) -> bool {
    let held = company.roles[&company.users[&actor].record.role_id].permissions;
    held.contains_all(&company.roles[&role].permissions)
}

fn removes_last_admin(company: &Company, user: Uuid) -> bool {
    let record = &company.users[&user].record;
    company.roles[&record.role_id].system && !record.banned && company.active_admins() == 1
}

/// The `n`-th lead of the company, in id order; `None` when there is none.
fn nth_lead(company: &Company, n: usize) -> Option<Uuid> {
    let ids: Vec<Uuid> = company.leads.keys().copied().collect();
    (!ids.is_empty()).then(|| ids[n % ids.len()])
}

/// Whether `user` may take one more open lead: not banned, under their cap.
fn may_take(company: &Company, user: Uuid) -> bool {
    let record = &company.users[&user].record;
    !record.banned && company.held(user) < i64::from(record.lead_cap)
}

/// The leads assigned to `user`, open or closed.
fn leads_of(company: &Company, user: Uuid) -> Vec<Uuid> {
    let assigned = company
        .leads
        .iter()
        .filter(|(_, l)| l.assignee_id == Some(user));
    assigned.map(|(id, _)| *id).collect()
}

fn new_lead(n: usize, status: LeadStatus, assignee_id: Option<Uuid>) -> NewLead {
    NewLead {
        name: format!("Lead {n}"),
        phone: None,
        email: None,
        source: None,
        status,
        assignee_id,
    }
}

fn patch(change: impl FnOnce(&mut UserPatch)) -> UserPatch {
    let mut patch = UserPatch::default();
    change(&mut patch);
    patch
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_operation_sequences(
        limit in 1i64..12,
        actors in proptest::collection::vec(any::<usize>(), 200..260),
        ops in proptest::collection::vec(op(), 200..260),
    ) {
        let store = MemoryStore::default();
        let seeded = store.sign_up(limit);
        let company_id = seeded.company_id;
        let deputy = store.add_role(company_id, "Deputy", PermissionSet::all());
        let roles = [seeded.roles[0], seeded.roles[1], seeded.roles[2], deputy];
        let mut admin_moved_out = false;

        let clock = DateTime::<Utc>::UNIX_EPOCH;
        for (op, pick) in ops.into_iter().zip(actors) {
            let before = store.company(company_id);
            let op_name = format!("{op:?}");
            let needed = match op {
                Op::Delete { .. } => Permission::new(Resource::Agent, Action::Delete),
                Op::SetLimit { .. } => Permission::new(Resource::Billing, Action::Write),
                _ => Permission::new(Resource::Agent, Action::Write),
            };
            let Some(actor_id) = pick_actor(&before, pick, needed) else { continue };
            let actor = store.actor(company_id, actor_id);
            let (expected_ok, outcome) = match op {
                Op::Create { role, email } => {
                    let role_id = roles[role];
                    let email = format!("user{email}@example.com");
                    let taken = before.users.values().any(|u| u.record.email == email);
                    let used = i64::try_from(before.users.len()).expect("count");
                    let new = new_user(&email, role_id);
                    let expected =
                        within(&before, actor_id, role_id) && used < before.agent_limit && !taken;
                    (expected, run(create_user(&store, &PlainHasher, &actor, new)).map(drop))
                }
                Op::Rename { user, name } => {
                    let user = nth_user(&before, user);
                    let name = Name::parse(&format!("Name {name}")).expect("name");
                    let expected = within(&before, actor_id, before.users[&user].record.role_id);
                    let change = patch(|p| p.name = Some(name));
                    (expected, run(update_user(&store, &PlainHasher, &actor, user, change)))
                }
                Op::Ban { user } => {
                    let user = nth_user(&before, user);
                    let target = &before.users[&user].record;
                    let expected = within(&before, actor_id, target.role_id)
                        && (target.banned || (user != actor_id && !removes_last_admin(&before, user)));
                    let change = patch(|p| p.banned = Some(true));
                    (expected, run(update_user(&store, &PlainHasher, &actor, user, change)))
                }
                Op::Unban { user } => {
                    let user = nth_user(&before, user);
                    let expected = within(&before, actor_id, before.users[&user].record.role_id);
                    let change = patch(|p| p.banned = Some(false));
                    (expected, run(update_user(&store, &PlainHasher, &actor, user, change)))
                }
                Op::Delete { user } => {
                    let user = nth_user(&before, user);
                    let expected = within(&before, actor_id, before.users[&user].record.role_id)
                        && user != actor_id
                        && !removes_last_admin(&before, user);
                    (expected, run(delete_user(&store, &actor, user, &Default::default())))
                }
                Op::ChangeRole { user, role } => {
                    let user = nth_user(&before, user);
                    let role_id = roles[role];
                    let expected = within(&before, actor_id, role_id)
                        && within(&before, actor_id, before.users[&user].record.role_id);
                    if expected && role != 0 && removes_last_admin(&before, user) {
                        admin_moved_out = true;
                    }
                    let change = patch(|p| p.role_id = Some(role_id));
                    (expected, run(update_user(&store, &PlainHasher, &actor, user, change)))
                }
                Op::SetCap { user, cap } => {
                    let user = nth_user(&before, user);
                    let cap = LeadCap::parse(i64::from(cap)).expect("cap");
                    let expected = within(&before, actor_id, before.users[&user].record.role_id);
                    let change = patch(|p| p.lead_cap = Some(cap));
                    (expected, run(update_user(&store, &PlainHasher, &actor, user, change)))
                }
                Op::SetLimit { limit } => {
                    let used = i64::try_from(before.users.len()).expect("count");
                    (limit >= used, run(set_agent_limit(&store, &actor, limit, &Precondition::None)))
                }
                Op::CreateLeads { count, assignee, closed } => {
                    let status = if closed { LeadStatus::Won } else { LeadStatus::New };
                    let assignee = assignee.map(|n| nth_user(&before, n));
                    // A named assignee takes every lead of the batch: all must fit.
                    let expected = assignee.is_none_or(|user| {
                        let record = &before.users[&user].record;
                        let free = i64::from(record.lead_cap) - before.held(user);
                        !record.banned && (closed || free >= i64::try_from(count).expect("count"))
                    });
                    let leads = (0..count).map(|n| new_lead(n, status, assignee)).collect();
                    (expected, run(create_leads(&store, &clock, company_id, leads)).map(drop))
                }
                Op::AssignLead { lead, user } => {
                    let Some(lead) = nth_lead(&before, lead) else { continue };
                    let current = &before.leads[&lead];
                    let assignee = user.map(|n| nth_user(&before, n));
                    // A new holder must not be banned, and must have room if the lead is open.
                    let expected = match assignee.filter(|a| Some(*a) != current.assignee_id) {
                        Some(a) if current.status.is_open() => may_take(&before, a),
                        Some(a) => !before.users[&a].record.banned,
                        None => true,
                    };
                    let change = LeadPatch { assignee_id: Some(assignee), ..LeadPatch::default() };
                    (expected, run(update_lead(&store, &clock, company_id, lead, change, &Precondition::None)))
                }
                Op::SetLeadStatus { lead, status } => {
                    let Some(lead) = nth_lead(&before, lead) else { continue };
                    let current = &before.leads[&lead];
                    let status = LeadStatus::ALL[status];
                    let reopens = status.is_open() && !current.status.is_open();
                    let expected = match current.assignee_id {
                        Some(holder) if reopens => may_take(&before, holder),
                        _ => true,
                    };
                    let change = LeadPatch { status: Some(status), ..LeadPatch::default() };
                    (expected, run(update_lead(&store, &clock, company_id, lead, change, &Precondition::None)))
                }
                Op::Distribute => (true, run(distribute(&store, &clock, company_id)).map(drop)),
                Op::SignIn { user } => {
                    let record = &before.users[&nth_user(&before, user)].record;
                    let attempt = PasswordSignIn {
                        company: &before.code,
                        email: &record.email,
                        password: SIGN_UP_PASSWORD,
                        register_device: None,
                        client: Client::default(),
                        lifetime: crate::testing::lifetime(),
                    };
                    let signed_in = sign_in_with_password(&store, &PlainHasher, &clock, attempt);
                    (!record.banned, run(signed_in).map(drop))
                }
            };

            let after = store.company(company_id);
            prop_assert_eq!(outcome.is_ok(), expected_ok, "outcome {:?}", outcome);
            if outcome.is_err() {
                prop_assert_eq!(&after.users, &before.users);
                prop_assert_eq!(&after.leads, &before.leads);
                prop_assert_eq!(after.agent_limit, before.agent_limit);
                prop_assert_eq!(after.audit.len(), before.audit.len());
            }
            prop_assert!(i64::try_from(after.users.len()).expect("count") <= after.agent_limit);
            if !admin_moved_out {
                prop_assert!(after.active_admins() >= 1);
            }
            for (id, user) in &after.users {
                let Some(was) = before.users.get(id) else { continue };
                let held = after.held(*id);
                // Only a lowered cap leaves someone above it: what they hold never grows past it.
                if held > before.held(*id) {
                    prop_assert!(held <= i64::from(user.record.lead_cap), "{:?} above cap", op_name);
                }
                if was.record.banned && user.record.banned {
                    let kept = leads_of(&before, *id);
                    prop_assert!(
                        leads_of(&after, *id).iter().all(|l| kept.contains(l)),
                        "a banned user got a lead by {:?}", op_name
                    );
                }
            }
        }
    }
}
