use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{NamedRef, PageRequest, Paged};
use crate::{DomainError, LeadStatus, Version};

/// A lead as clients see it, its assignee resolved to a name.
#[derive(Debug, Clone)]
pub struct LeadView {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<String>,
    pub status: String,
    pub assignee: Option<NamedRef>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The lead's version (its `ETag`): raised by every change of its own fields, its
    /// assignment included; not by a rename of its assignee.
    pub version: Version,
}

/// The lead listing's filters; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    /// Case-insensitive substring of name, phone, email or source (`%`, `_` literal).
    pub q: Option<String>,
}

/// `{user, cap, held}` for the lead-load report.
#[derive(Debug, Clone)]
pub struct LeadLoad {
    pub user_id: Uuid,
    pub name: String,
    pub lead_cap: i32,
    pub leads_held: i64,
}

pub trait LeadQueries {
    /// [`DomainError::NotFound`] when the company has no such lead.
    async fn lead_view(&self, company_id: Uuid, id: Uuid) -> Result<LeadView, DomainError>;
    /// Newest first.
    async fn list_leads(
        &self,
        company_id: Uuid,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Paged<LeadView>, DomainError>;
    /// Every user with their cap and the open leads they hold, by name.
    async fn lead_load(&self, company_id: Uuid) -> Result<Vec<LeadLoad>, DomainError>;
}
