use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::{DomainError, Name, PermissionSet, Version};

/// A role as clients see it.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub system: bool,
    pub permissions: PermissionSet,
    pub users_count: i64,
    /// The role's version (its `ETag`): raised by every change of its name or permissions;
    /// not by `users_count`.
    pub version: Version,
}

pub trait RoleQueries {
    /// [`DomainError::NotFound`] when the company has no such role.
    async fn role_view(&self, company_id: Uuid, id: Uuid) -> Result<RoleView, DomainError>;
    /// The system role first, then by name.
    async fn list_roles(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<RoleView>, DomainError>;
    /// The role called `name`, compared case-insensitively (as names are unique).
    async fn role_named(
        &self,
        company_id: Uuid,
        name: &Name,
    ) -> Result<Option<RoleView>, DomainError>;
}
