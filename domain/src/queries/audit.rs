use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::DomainError;

/// One event of the audit trail, with the names it had when it was recorded.
#[derive(Debug, Clone)]
pub struct AuditEventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    /// `(id, name)` of who acted; `None` for the operator's command line.
    pub actor: Option<(Uuid, String)>,
    /// `(type, id, name)` of what the event changed.
    pub target: Option<(String, Uuid, String)>,
    pub changes: Vec<String>,
    pub ip: Option<String>,
}

/// The audit listing's filters; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
}

pub trait AuditQueries {
    /// Newest first.
    async fn audit_events(
        &self,
        company_id: Uuid,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Paged<AuditEventView>, DomainError>;
}
