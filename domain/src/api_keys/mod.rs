//! API keys: an integration's credential. A key acts for its company with exactly the
//! permissions it was given, which were within its creator's when it was made; it outlives
//! its creator (an integration must not stop when the person who set it up leaves), and is
//! refused from the request after it is deleted or expires.

mod manage;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Name, PermissionSet};

pub use manage::{authenticate, create_api_key, delete_api_key};

/// A key's last use is recorded at most this often: once a minute per key in use, instead
/// of a write on every request.
pub const LAST_USE_PRECISION_SECONDS: i64 = 60;

/// What a new key is asked to be.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: Name,
    pub permissions: PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What is kept of a key's secret: the start shown in listings, and the hash it is found by.
/// The caller makes the key (randomness is I/O) and shows it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDigest {
    pub prefix: String,
    pub hash: String,
}

/// A stored key, as listings show it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub permissions: PermissionSet,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key may act until the instant it expires.
pub fn usable(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|at| now < at)
}

#[cfg(test)]
mod tests;
