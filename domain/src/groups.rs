//! Departments and branches: named groups a user may belong to, deleted only when empty.

use uuid::Uuid;

use crate::ports::{Audit, Commit, GroupKind, GroupRecord, Groups, Store};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, Name, Precondition, rules};

pub async fn create_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    name: Name,
) -> Result<Uuid, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_group(kind, &name).await?;
    let event = group_event(kind, Verb::Created, id, name.into_inner(), Vec::new());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames a group; the same name again changes and audits nothing. A rename conditioned on
/// versions the group no longer has changes nothing.
pub async fn rename_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    id: Uuid,
    name: Name,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = locked_group(&mut tx, kind, id, precondition).await?;
    if before.name != name.as_str() {
        tx.rename_group(kind, id, &name).await?;
        let event = group_event(kind, Verb::Updated, id, before.name, vec!["name"]);
        tx.record(actor, event).await?;
    }
    tx.commit().await
}

/// Deletes a group nobody belongs to, at a version `precondition` names.
pub async fn delete_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = locked_group(&mut tx, kind, id, precondition).await?;
    rules::unused(tx.group_members(kind, id).await?)?;
    tx.delete_group(kind, id).await?;
    let event = group_event(kind, Verb::Deleted, id, before.name, Vec::new());
    tx.record(actor, event).await?;
    tx.commit().await
}

/// Takes the company lock, then loads the group a change is about, at a version
/// `precondition` names.
async fn locked_group(
    tx: &mut impl Groups,
    kind: GroupKind,
    id: Uuid,
    precondition: &Precondition,
) -> Result<GroupRecord, DomainError> {
    let group = tx
        .lock_group(kind, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    precondition.check(group.version)?;
    Ok(group)
}

#[derive(Debug, Clone, Copy)]
enum Verb {
    Created,
    Updated,
    Deleted,
}

fn group_event(
    kind: GroupKind,
    verb: Verb,
    id: Uuid,
    name: String,
    changes: Vec<&'static str>,
) -> AuditEntry {
    let action = match (kind, verb) {
        (GroupKind::Department, Verb::Created) => "department.created",
        (GroupKind::Department, Verb::Updated) => "department.updated",
        (GroupKind::Department, Verb::Deleted) => "department.deleted",
        (GroupKind::Branch, Verb::Created) => "branch.created",
        (GroupKind::Branch, Verb::Updated) => "branch.updated",
        (GroupKind::Branch, Verb::Deleted) => "branch.deleted",
    };
    AuditEntry {
        action,
        target: Some(AuditTarget {
            kind: kind.as_str(),
            id,
            name,
        }),
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, run};
    use crate::users::{UserPatch, update_user};
    use crate::{RuleViolation, Version};

    #[test]
    fn a_group_with_members_stays_and_an_empty_one_goes() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let admin = &company.admin;
        let pune = run(create_group(
            &store,
            admin,
            GroupKind::Branch,
            Name::parse("Pune").expect("name"),
        ))
        .expect("created");
        let join = UserPatch {
            branch_id: Some(Some(pune)),
            ..UserPatch::default()
        };
        run(update_user(
            &store,
            &crate::testing::PlainHasher,
            admin,
            admin.id,
            join,
        ))
        .expect("joined");

        let no_condition = &Precondition::None;
        let refused = run(delete_group(
            &store,
            admin,
            GroupKind::Branch,
            pune,
            no_condition,
        ));
        assert!(matches!(
            refused,
            Err(DomainError::Rule(RuleViolation::InUse { users: 1 }))
        ));
        let leave = UserPatch {
            branch_id: Some(None),
            ..UserPatch::default()
        };
        run(update_user(
            &store,
            &crate::testing::PlainHasher,
            admin,
            admin.id,
            leave,
        ))
        .expect("left");
        run(delete_group(
            &store,
            admin,
            GroupKind::Branch,
            pune,
            no_condition,
        ))
        .expect("deleted");

        let actions: Vec<_> = store
            .company(company.company_id)
            .audit
            .iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "branch.created",
                "user.updated",
                "user.updated",
                "branch.deleted"
            ]
        );
    }

    #[test]
    fn a_department_is_not_a_branch() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let sales = store.add_group(company.company_id, GroupKind::Department, "Sales");

        let renamed = run(rename_group(
            &store,
            &company.admin,
            GroupKind::Branch,
            sales,
            Name::parse("Pune").expect("name"),
            &Precondition::None,
        ));

        assert!(matches!(renamed, Err(DomainError::NotFound)));
    }

    #[test]
    fn a_change_conditioned_on_an_older_version_changes_nothing() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let kind = GroupKind::Department;
        let sales = store.add_group(company.company_id, kind, "Sales");
        let group =
            |store: &MemoryStore| store.company(company.company_id).groups[&(kind, sales)].clone();
        let read_at = Precondition::OneOf(vec![group(&store).version]);
        let rename = |text: &str| {
            run(rename_group(
                &store,
                &company.admin,
                kind,
                sales,
                Name::parse(text).expect("name"),
                &read_at,
            ))
        };

        rename("Field Sales").expect("at the version it was read at");
        let after_first = group(&store);
        let second = rename("Inside Sales");
        let stale_delete = run(delete_group(&store, &company.admin, kind, sales, &read_at));

        assert_eq!(after_first.version, Version(2));
        assert!(matches!(second, Err(DomainError::PreconditionFailed)));
        assert!(matches!(stale_delete, Err(DomainError::PreconditionFailed)));
        assert_eq!(group(&store), after_first, "nothing changed");
        let current = Precondition::OneOf(vec![after_first.version]);
        run(delete_group(&store, &company.admin, kind, sales, &current))
            .expect("at the current version");
    }
}
