use domain::{DomainError, FieldError, LeadRefusal, RuleViolation, UniqueField};
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index refused the write.
    #[error("{0:?} is already taken")]
    Conflict(UniqueField),
    /// The row the change needs is not there (or belongs to another company).
    #[error("not found")]
    NotFound,
    /// A value names nothing in this company (a role id, say): the client's field is wrong.
    #[error("invalid {}: {}", .0.field, .0.message)]
    Invalid(FieldError),
    /// The change would break an invariant.
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    /// The assignee cannot take one more open lead.
    #[error(transparent)]
    Lead(#[from] LeadRefusal),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl StoreError {
    /// Maps a unique-index violation to the field it protects. `candidates` are the unique
    /// fields the failed statement could violate, each with a fragment of its index or column
    /// name, as PostgreSQL (`users_email`) and SQLite (`users.email`) report them.
    pub(crate) fn from_write(err: DbErr, candidates: &[(UniqueField, &str)]) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            for (field, fragment) in candidates {
                if message.contains(fragment) {
                    return Self::Conflict(*field);
                }
            }
        }
        Self::Database(err)
    }
}

/// At the ports' boundary a database error becomes an opaque fault: the domain never names
/// a database type.
impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(field) => Self::Conflict(field),
            StoreError::NotFound => Self::NotFound,
            StoreError::Invalid(error) => Self::Invalid(error),
            StoreError::Rule(rule) => Self::Rule(rule),
            StoreError::Lead(refusal) => Self::Lead(refusal),
            StoreError::Database(err) => Self::fault(err),
        }
    }
}
