use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::ports::GroupKind;
use crate::{DomainError, Name, Version};

/// A department or branch as clients see it.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub users_count: i64,
    /// The group's version (its `ETag`): raised by every rename; not by `users_count`.
    pub version: Version,
}

pub trait GroupQueries {
    /// [`DomainError::NotFound`] when the company has no such group of that kind.
    async fn group_view(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<GroupView, DomainError>;
    /// By name.
    async fn list_groups(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        page: PageRequest,
    ) -> Result<Paged<GroupView>, DomainError>;
    /// The group of that kind called `name`, compared case-insensitively.
    async fn group_named(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        name: &Name,
    ) -> Result<Option<GroupView>, DomainError>;
}
