use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::DomainError;

/// A signed-in device of the user, as `/me/sessions` lists it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub id: Uuid,
    pub device_id: Option<Uuid>,
    pub device_name: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub trait SessionQueries {
    /// The user's live sessions, newest first, with the device each one signed in from.
    async fn list_sessions(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<SessionView>, DomainError>;
}
