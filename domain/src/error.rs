use std::fmt;

/// Why a value was refused, without saying which field it came from: the caller knows the
/// field and turns this into a [`FieldError`] with [`Invalid::at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// A stable, machine-readable reason such as `invalid`, `too_short` or `too_common`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Names the field (a JSON path such as `admin.email`) the refused value came from.
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// One refused field of a request, as reported in a 422 problem's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// A uniqueness rule the database enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    CompanyCode,
    Email,
    EmployeeCode,
    Name,
}

/// Why a use case did not apply. Storage failures stay opaque ([`DomainError::Fault`]): the
/// domain never names a database type.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The record the change is about is not there (or belongs to another company).
    #[error("not found")]
    NotFound,
    /// A unique value is already taken.
    #[error("{0:?} is already taken")]
    Conflict(UniqueField),
    /// A value names nothing in this company (a role id, say): the client's field is wrong.
    #[error("invalid {}: {}", .0.field, .0.message)]
    Invalid(FieldError),
    /// The change would break an invariant.
    #[error(transparent)]
    Rule(#[from] crate::RuleViolation),
    /// The change was conditioned on a version the resource no longer has (`If-Match`).
    #[error("precondition failed")]
    PreconditionFailed,
    /// The assignee cannot take one more open lead.
    #[error(transparent)]
    Lead(#[from] crate::LeadRefusal),
    /// A sign-in, refresh or sign-out was refused.
    #[error(transparent)]
    SignIn(#[from] crate::auth::Refusal),
    /// The database is unreachable (a restart, a failover): try again shortly. The cause is
    /// for the logs.
    #[error("storage unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// A bounded resource (the password-hashing queue) is full: try again shortly.
    #[error("overloaded: {0}")]
    Overloaded(&'static str),
    /// Storage or another dependency failed; the cause is for the logs, never the client.
    #[error(transparent)]
    Fault(Box<dyn std::error::Error + Send + Sync>),
}

impl DomainError {
    /// A 422 for an id in `field` that names nothing in this company.
    pub fn names_nothing(field: &str) -> Self {
        Self::Invalid(Invalid::new("not_found", "names nothing in this company").at(field))
    }

    pub fn fault(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Fault(cause.into())
    }
}
