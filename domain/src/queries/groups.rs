use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::DomainError;
use crate::ports::GroupKind;

/// A department or branch as clients see it.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub users_count: i64,
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
}
