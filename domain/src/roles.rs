//! Roles: named bundles of permissions. The system Company Admin role is fixed, and nobody
//! grants, edits or deletes more than they hold themselves.

use uuid::Uuid;

use crate::ports::{Audit, Commit, Outbox, RoleGrant, Roles, Store};
use crate::users::{self, UserChangeTx};
use crate::webhooks::{Event, EventType};
use crate::{
    Actor, AuditEntry, AuditTarget, DomainError, Name, PermissionSet, Precondition, rules,
};

/// A role to create.
#[derive(Debug, Clone)]
pub struct NewRole {
    pub name: Name,
    pub permissions: PermissionSet,
    /// Users moved into the role as it is created (a SCIM group's members).
    pub members: Vec<Uuid>,
}

/// A partial change of a role.
#[derive(Debug, Clone, Default)]
pub struct RolePatch {
    pub name: Option<Name>,
    pub permissions: Option<PermissionSet>,
    /// Users moved into the role (SCIM adds group members); each leaves the role they held,
    /// with every rule of a role change and provisioning's last-admin rule.
    pub members: Vec<Uuid>,
    /// The versions the patch may apply to (`If-Match`).
    pub precondition: Precondition,
}

impl RolePatch {
    /// Whether the patch edits the role itself. One that only moves members in leaves the
    /// role alone (so even the system role takes members); any other, even an empty one, is
    /// an edit.
    fn edits_the_role(&self) -> bool {
        self.name.is_some() || self.permissions.is_some() || self.members.is_empty()
    }
}

/// Creates a role, and moves its first members into it, in one transaction.
pub async fn create_role(
    store: &impl Store,
    actor: &Actor,
    role: NewRole,
) -> Result<Uuid, DomainError> {
    rules::within_actor(&actor.permissions, &role.permissions)?;
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_role(&role.name, role.permissions).await?;
    tx.record(
        actor,
        role_event("role.created", id, role.name.into_inner(), Vec::new()),
    )
    .await?;
    tx.record_event(Event::about(EventType::RoleCreated, id))
        .await?;
    move_members(&mut tx, actor, id, role.members).await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames a role or replaces its permissions; its holders get them on their next request.
/// A patch conditioned on versions the role no longer has changes nothing.
pub async fn update_role(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
    patch: RolePatch,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let current = locked_role(&mut tx, id, &patch.precondition).await?;
    if patch.edits_the_role() {
        rules::role_editable(&actor.permissions, current.system, &current.permissions)?;
    }
    if let Some(permissions) = &patch.permissions {
        rules::within_actor(&actor.permissions, permissions)?;
    }
    let name = patch.name.filter(|n| n.as_str() != current.name);
    let permissions = patch.permissions.filter(|p| *p != current.permissions);
    let changes: Vec<&'static str> = [
        (name.is_some(), "name"),
        (permissions.is_some(), "permissions"),
    ]
    .into_iter()
    .filter_map(|(changed, field)| changed.then_some(field))
    .collect();
    if !changes.is_empty() {
        tx.save_role(id, name.as_ref(), permissions).await?;
        tx.record(actor, role_event("role.updated", id, current.name, changes))
            .await?;
        tx.record_event(Event::about(EventType::RoleUpdated, id))
            .await?;
    }
    move_members(&mut tx, actor, id, patch.members).await?;
    tx.commit().await
}

/// Moves each user into the role, in id order: two requests moving the same users lock them
/// in the same order, so they queue rather than deadlock.
async fn move_members(
    tx: &mut impl UserChangeTx,
    actor: &Actor,
    role_id: Uuid,
    mut members: Vec<Uuid>,
) -> Result<(), DomainError> {
    members.sort_unstable();
    members.dedup();
    for user_id in members {
        users::move_into_role(tx, actor, user_id, role_id, "members").await?;
    }
    Ok(())
}

/// Deletes a role nobody holds, at a version `precondition` names.
pub async fn delete_role(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let current = locked_role(&mut tx, id, precondition).await?;
    rules::role_editable(&actor.permissions, current.system, &current.permissions)?;
    rules::unused(tx.role_holders(id).await?)?;
    tx.delete_role(id).await?;
    tx.record(
        actor,
        role_event("role.deleted", id, current.name, Vec::new()),
    )
    .await?;
    tx.record_event(Event::deleted(EventType::RoleDeleted, id))
        .await?;
    tx.commit().await
}

/// Takes the company lock, then loads the role at a version `precondition` names.
async fn locked_role(
    tx: &mut impl Roles,
    id: Uuid,
    precondition: &Precondition,
) -> Result<RoleGrant, DomainError> {
    let role = tx.lock_role(id).await?.ok_or(DomainError::NotFound)?;
    precondition.check(role.version)?;
    Ok(role)
}

fn role_event(
    action: &'static str,
    id: Uuid,
    name: String,
    changes: Vec<&'static str>,
) -> AuditEntry {
    AuditEntry {
        action,
        target: Some(AuditTarget {
            kind: "role",
            id,
            name,
        }),
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, PlainHasher, run};
    use crate::users::{UserPatch, update_user};
    use crate::{DEFAULT_ROLES, RuleViolation, Version};

    fn name(text: &str) -> Name {
        Name::parse(text).expect("name")
    }

    fn new_role(text: &str, permissions: PermissionSet, members: Vec<Uuid>) -> NewRole {
        NewRole {
            name: name(text),
            permissions,
            members,
        }
    }

    fn members(members: Vec<Uuid>) -> RolePatch {
        RolePatch {
            members,
            ..RolePatch::default()
        }
    }

    fn refusal(result: Result<impl Sized, DomainError>) -> RuleViolation {
        match result {
            Err(DomainError::Rule(rule)) => rule,
            other => panic!("expected a broken rule, got {:?}", other.err()),
        }
    }

    #[test]
    fn the_system_role_is_fixed_and_nobody_grants_beyond_themselves() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let [admin_role, manager_role, _] = company.roles;
        let rename = RolePatch {
            name: Some(name("Owner")),
            ..RolePatch::default()
        };
        let manager = store.add_role(company.company_id, "Lead", DEFAULT_ROLES[1].permissions());
        let mut lead = company.admin.clone();
        lead.permissions = DEFAULT_ROLES[1].permissions();

        let system = run(update_role(&store, &company.admin, admin_role, rename));
        let escalation = run(create_role(
            &store,
            &lead,
            new_role("Boss", PermissionSet::all(), Vec::new()),
        ));
        let wider = RolePatch {
            permissions: Some(PermissionSet::all()),
            ..RolePatch::default()
        };
        let widened = run(update_role(&store, &lead, manager, wider));

        assert_eq!(refusal(system), RuleViolation::SystemRole);
        assert_eq!(refusal(escalation), RuleViolation::Escalation);
        assert_eq!(refusal(widened), RuleViolation::Escalation);
        assert_eq!(
            refusal(run(delete_role(
                &store,
                &company.admin,
                admin_role,
                &Precondition::None
            ))),
            RuleViolation::SystemRole
        );
        // Nobody holds the default Manager role: it can go.
        run(delete_role(
            &store,
            &company.admin,
            manager_role,
            &Precondition::None,
        ))
        .expect("deleted");
    }

    #[test]
    fn a_held_role_stays_and_a_taken_name_is_a_conflict() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let team = run(create_role(
            &store,
            admin,
            new_role("Team", PermissionSet::empty(), Vec::new()),
        ))
        .expect("created");
        let mover = UserPatch {
            role_id: Some(team),
            ..UserPatch::default()
        };
        // The contract lets even the last admin change role.
        run(update_user(&store, &PlainHasher, admin, admin.id, mover)).expect("moved");

        let in_use = run(delete_role(&store, admin, team, &Precondition::None));
        let taken = run(create_role(
            &store,
            admin,
            new_role("manager", PermissionSet::empty(), Vec::new()),
        ));

        assert_eq!(refusal(in_use), RuleViolation::InUse { users: 1 });
        assert!(matches!(
            taken,
            Err(DomainError::Conflict(crate::UniqueField::Name))
        ));
    }

    #[test]
    fn a_change_conditioned_on_an_older_version_changes_nothing() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let team = store.add_role(company.company_id, "Team", PermissionSet::empty());
        let version = |store: &MemoryStore| store.company(company.company_id).roles[&team].version;
        let read_at = version(&store);
        let rename = |text: &str| RolePatch {
            name: Some(name(text)),
            precondition: Precondition::OneOf(vec![read_at]),
            ..RolePatch::default()
        };

        let first = run(update_role(&store, &company.admin, team, rename("Sales")));
        let after_first = version(&store);
        let second = run(update_role(&store, &company.admin, team, rename("Support")));
        let stale = Precondition::OneOf(vec![read_at]);
        let stale_delete = run(delete_role(&store, &company.admin, team, &stale));

        first.expect("at the version it was read at");
        assert_eq!(after_first, Version(read_at.0 + 1));
        assert!(matches!(second, Err(DomainError::PreconditionFailed)));
        assert!(matches!(stale_delete, Err(DomainError::PreconditionFailed)));
        let role = &store.company(company.company_id).roles[&team];
        assert_eq!((role.name.as_str(), role.version), ("Sales", after_first));
        let current = Precondition::OneOf(vec![after_first]);
        run(delete_role(&store, &company.admin, team, &current)).expect("at the current version");
    }

    fn role_of(store: &MemoryStore, company: Uuid, user: Uuid) -> Uuid {
        store.company(company).users[&user].record.role_id
    }

    #[test]
    fn members_move_into_a_role_and_the_last_admin_never_moves_out() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let [admin_role, _, agent_role] = company.roles;
        let agent = run(crate::users::create_user(
            &store,
            &PlainHasher,
            admin,
            crate::testing::new_user("agent@example.com", agent_role),
        ))
        .expect("created");
        let team = run(create_role(
            &store,
            admin,
            new_role("Team", PermissionSet::empty(), vec![agent]),
        ))
        .expect("created with its member");

        let last_admin_out = run(update_role(&store, admin, team, members(vec![admin.id])));
        // Members only: even the system role takes them.
        run(update_role(&store, admin, admin_role, members(vec![agent])))
            .expect("moved into the system role");
        run(update_role(&store, admin, team, members(vec![admin.id])))
            .expect("another active admin remains");

        assert_eq!(refusal(last_admin_out), RuleViolation::LastAdmin);
        assert_eq!(role_of(&store, company.company_id, agent), admin_role);
        assert_eq!(role_of(&store, company.company_id, admin.id), team);
    }

    #[test]
    fn a_member_move_that_breaks_a_rule_leaves_everything_as_it_was() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let [_, manager_role, agent_role] = company.roles;
        let agent = run(crate::users::create_user(
            &store,
            &PlainHasher,
            &company.admin,
            crate::testing::new_user("agent@example.com", agent_role),
        ))
        .expect("created");
        let mut lead = company.admin.clone();
        lead.permissions = DEFAULT_ROLES[1].permissions();
        let roles_before = store.company(company.company_id).roles.len();

        let unknown = run(create_role(
            &store,
            &company.admin,
            new_role("Team", PermissionSet::empty(), vec![agent, Uuid::nil()]),
        ));
        // The manager may not move the admin, who holds more than they do.
        let escalation = run(update_role(
            &store,
            &lead,
            manager_role,
            members(vec![agent, company.admin.id]),
        ));

        assert!(
            matches!(unknown, Err(DomainError::Invalid(ref field)) if field.field == "members"),
            "{unknown:?}"
        );
        assert_eq!(refusal(escalation), RuleViolation::Escalation);
        assert_eq!(store.company(company.company_id).roles.len(), roles_before);
        assert_eq!(role_of(&store, company.company_id, agent), agent_role);
    }
}
