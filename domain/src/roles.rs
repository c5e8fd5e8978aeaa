//! Roles: named bundles of permissions. The system Company Admin role is fixed, and nobody
//! grants, edits or deletes more than they hold themselves.

use uuid::Uuid;

use crate::ports::{Audit, Commit, Outbox, RoleGrant, Roles, Store};
use crate::webhooks::{Event, EventType};
use crate::{
    Actor, AuditEntry, AuditTarget, DomainError, Name, PermissionSet, Precondition, rules,
};

/// A partial change of a role.
#[derive(Debug, Clone, Default)]
pub struct RolePatch {
    pub name: Option<Name>,
    pub permissions: Option<PermissionSet>,
    /// The versions the patch may apply to (`If-Match`).
    pub precondition: Precondition,
}

pub async fn create_role(
    store: &impl Store,
    actor: &Actor,
    name: Name,
    permissions: PermissionSet,
) -> Result<Uuid, DomainError> {
    rules::within_actor(&actor.permissions, &permissions)?;
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_role(&name, permissions).await?;
    tx.record(
        actor,
        role_event("role.created", id, name.into_inner(), Vec::new()),
    )
    .await?;
    tx.record_event(Event::about(EventType::RoleCreated, id))
        .await?;
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
    let current = editable_role(&mut tx, actor, id, &patch.precondition).await?;
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
    tx.commit().await
}

/// Deletes a role nobody holds, at a version `precondition` names.
pub async fn delete_role(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let current = editable_role(&mut tx, actor, id, precondition).await?;
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

/// Takes the company lock, then loads a role the actor may change at a version
/// `precondition` names.
async fn editable_role(
    tx: &mut impl Roles,
    actor: &Actor,
    id: Uuid,
    precondition: &Precondition,
) -> Result<RoleGrant, DomainError> {
    let role = tx.lock_role(id).await?.ok_or(DomainError::NotFound)?;
    precondition.check(role.version)?;
    rules::role_editable(&actor.permissions, role.system, &role.permissions)?;
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
            name("Boss"),
            PermissionSet::all(),
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
            name("Team"),
            PermissionSet::empty(),
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
            name("manager"),
            PermissionSet::empty(),
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
}
