use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::api_keys::ApiKeyRecord;
use crate::{DomainError, PermissionSet};

/// The API key a request presents, as the database says right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyActorRecord {
    pub company_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub permissions: PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub trait ApiKeyQueries {
    /// The company's keys, newest first.
    async fn list_api_keys(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<ApiKeyRecord>, DomainError>;
    async fn api_key(
        &self,
        company_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ApiKeyRecord>, DomainError>;
    /// The key whose hash is `hash`, in any company (a request names no company before its
    /// key is found); read on every request made with a key, so a deletion bites on the
    /// very next one.
    async fn key_actor(&self, hash: &str) -> Result<Option<KeyActorRecord>, DomainError>;
}
