//! The in-memory roles, departments and branches.

use uuid::Uuid;

use super::MemoryTx;
use crate::ports::{GroupKind, GroupRecord, Groups, RoleGrant, Roles};
use crate::{DomainError, Name, PermissionSet, UniqueField, Version};

impl Roles for MemoryTx {
    async fn role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        Ok(self.company.roles.get(&id).cloned())
    }

    async fn lock_role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        self.role(id).await
    }

    async fn role_holders(&mut self, id: Uuid) -> Result<i64, DomainError> {
        Ok(self.count_users(|u| u.role_id == id))
    }

    async fn insert_role(
        &mut self,
        name: &Name,
        permissions: PermissionSet,
    ) -> Result<Uuid, DomainError> {
        let taken = self.company.roles.values().map(|r| r.name.as_str());
        unique_name(taken, name)?;
        let id = self.inner.new_id();
        let grant = RoleGrant {
            id,
            name: name.as_str().to_owned(),
            system: false,
            permissions,
            version: Version(1),
        };
        self.company.roles.insert(id, grant);
        Ok(id)
    }

    async fn save_role(
        &mut self,
        id: Uuid,
        name: Option<&Name>,
        permissions: Option<PermissionSet>,
    ) -> Result<(), DomainError> {
        if let Some(name) = name {
            let others = self.company.roles.values().filter(|r| r.id != id);
            unique_name(others.map(|r| r.name.as_str()), name)?;
        }
        let role = self
            .company
            .roles
            .get_mut(&id)
            .ok_or(DomainError::NotFound)?;
        if let Some(name) = name {
            role.name = name.as_str().to_owned();
        }
        if let Some(permissions) = permissions {
            role.permissions = permissions;
        }
        role.version = Version(role.version.0 + 1);
        Ok(())
    }

    async fn delete_role(&mut self, id: Uuid) -> Result<(), DomainError> {
        self.company.roles.remove(&id);
        Ok(())
    }
}

impl Groups for MemoryTx {
    async fn group_exists(&mut self, kind: GroupKind, id: Uuid) -> Result<bool, DomainError> {
        Ok(self.company.groups.contains_key(&(kind, id)))
    }

    async fn lock_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<Option<GroupRecord>, DomainError> {
        Ok(self.company.groups.get(&(kind, id)).cloned())
    }

    async fn group_members(&mut self, kind: GroupKind, id: Uuid) -> Result<i64, DomainError> {
        Ok(self.count_users(|u| match kind {
            GroupKind::Department => u.department_id == Some(id),
            GroupKind::Branch => u.branch_id == Some(id),
        }))
    }

    async fn insert_group(&mut self, kind: GroupKind, name: &Name) -> Result<Uuid, DomainError> {
        let same_kind = self.company.groups.iter().filter(|((k, _), _)| *k == kind);
        unique_name(same_kind.map(|(_, g)| g.name.as_str()), name)?;
        let id = self.inner.new_id();
        self.company
            .groups
            .insert((kind, id), first_version(id, name.as_str()));
        Ok(id)
    }

    async fn rename_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
        name: &Name,
    ) -> Result<(), DomainError> {
        let others = self
            .company
            .groups
            .iter()
            .filter(|((k, other), _)| *k == kind && *other != id);
        unique_name(others.map(|(_, g)| g.name.as_str()), name)?;
        let group = self
            .company
            .groups
            .get_mut(&(kind, id))
            .ok_or(DomainError::NotFound)?;
        group.name = name.as_str().to_owned();
        group.version = Version(group.version.0 + 1);
        Ok(())
    }

    async fn delete_group(&mut self, kind: GroupKind, id: Uuid) -> Result<(), DomainError> {
        self.company.groups.remove(&(kind, id));
        Ok(())
    }
}

/// A group as created: at version 1.
pub(super) fn first_version(id: Uuid, name: &str) -> GroupRecord {
    GroupRecord {
        id,
        name: name.to_owned(),
        version: Version(1),
    }
}

/// Names of roles and groups are unique per company and kind, case-insensitively.
fn unique_name<'a>(
    mut taken: impl Iterator<Item = &'a str>,
    name: &Name,
) -> Result<(), DomainError> {
    let wanted = name.as_str().to_lowercase();
    if taken.any(|t| t.to_lowercase() == wanted) {
        Err(DomainError::Conflict(UniqueField::Name))
    } else {
        Ok(())
    }
}
