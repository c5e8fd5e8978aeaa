use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::{ActorKind, DomainError};

/// One event of the audit trail, with the names it had when it was recorded.
#[derive(Debug, Clone)]
pub struct AuditEventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    /// Who acted; `None` for the operator's command line.
    pub actor: Option<AuditActor>,
    /// `(type, id, name)` of what the event changed.
    pub target: Option<(String, Uuid, String)>,
    pub changes: Vec<String>,
    pub ip: Option<String>,
}

/// Who acted, with the name they had then.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub kind: ActorKind,
    pub id: Uuid,
    pub name: String,
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
