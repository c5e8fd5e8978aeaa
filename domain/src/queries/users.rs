use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{NamedRef, PageRequest, Paged};
use crate::{DomainError, Version};

/// A user as clients see it: no secret, references resolved to names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
    pub department: Option<NamedRef>,
    pub branch: Option<NamedRef>,
    pub role: NamedRef,
    pub lead_cap: i32,
    /// The identity provider's id for the user (SCIM `externalId`).
    pub external_id: Option<String>,
    pub leads_held: i64,
    pub banned: bool,
    pub mpin_set: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The user's version (their `ETag`): raised by every change of their own fields; not
    /// by `leads_held`, nor by renaming the role, department or branch they name.
    pub version: Version,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserSort {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

/// The user listing's filters; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// A case-insensitive substring of the name, email, phone or employee code, in which
    /// `%` and `_` are literal characters.
    pub q: Option<String>,
    /// Exactly this email, as stored (trimmed, lower-cased).
    pub email: Option<String>,
    /// Exactly this SCIM `externalId`.
    pub external_id: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Option<Uuid>,
    pub banned: Option<bool>,
    pub sort: UserSort,
}

pub trait UserQueries {
    /// [`DomainError::NotFound`] when the company has no such user.
    async fn user_view(&self, company_id: Uuid, id: Uuid) -> Result<UserView, DomainError>;
    async fn list_users(
        &self,
        company_id: Uuid,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Paged<UserView>, DomainError>;
}
