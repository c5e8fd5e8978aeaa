use uuid::Uuid;

/// A record an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTarget {
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
}

/// One audit event, written in the transaction of the change it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub action: &'static str,
    pub target: Option<AuditTarget>,
    /// Field names, never values.
    pub changes: Vec<&'static str>,
}
