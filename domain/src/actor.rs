use uuid::Uuid;

use crate::PermissionSet;

/// Who makes a change: what the rules check (its permissions) and what the audit trail
/// records (its id, name and address).
#[derive(Debug, Clone)]
pub struct Actor {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub permissions: PermissionSet,
    /// The client's address, for the audit trail.
    pub ip: Option<String>,
}
