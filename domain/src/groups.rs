//! Departments and branches: named groups a user may belong to, deleted only when empty.

use uuid::Uuid;

use crate::ports::{Audit, Commit, GroupKind, GroupRecord, Groups, Store};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, Name, rules};

pub async fn create_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    name: Name,
) -> Result<Uuid, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_group(kind, &name).await?;
    let created = GroupRecord {
        id,
        name: name.into_inner(),
    };
    tx.record(actor, group_event(kind, Verb::Created, created, Vec::new()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames a group; the same name again changes and audits nothing.
pub async fn rename_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    id: Uuid,
    name: Name,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = locked_group(&mut tx, kind, id).await?;
    if before.name != name.as_str() {
        tx.rename_group(kind, id, &name).await?;
        tx.record(
            actor,
            group_event(kind, Verb::Updated, before, vec!["name"]),
        )
        .await?;
    }
    tx.commit().await
}

/// Deletes a group nobody belongs to.
pub async fn delete_group(
    store: &impl Store,
    actor: &Actor,
    kind: GroupKind,
    id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = locked_group(&mut tx, kind, id).await?;
    rules::unused(tx.group_members(kind, id).await?)?;
    tx.delete_group(kind, id).await?;
    tx.record(actor, group_event(kind, Verb::Deleted, before, Vec::new()))
        .await?;
    tx.commit().await
}

/// Takes the company lock, then loads the group a change is about.
async fn locked_group(
    tx: &mut impl Groups,
    kind: GroupKind,
    id: Uuid,
) -> Result<GroupRecord, DomainError> {
    tx.lock_group(kind, id).await?.ok_or(DomainError::NotFound)
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
    group: GroupRecord,
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
            id: group.id,
            name: group.name,
        }),
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleViolation;
    use crate::testing::{MemoryStore, run};
    use crate::users::{UserPatch, update_user};

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
            admin.user_id,
            join,
        ))
        .expect("joined");

        let refused = run(delete_group(&store, admin, GroupKind::Branch, pune));
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
            admin.user_id,
            leave,
        ))
        .expect("left");
        run(delete_group(&store, admin, GroupKind::Branch, pune)).expect("deleted");

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
        ));

        assert!(matches!(renamed, Err(DomainError::NotFound)));
    }
}
