use domain::{DomainError, UniqueField};
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index refused the write.
    #[error("{0:?} is already taken")]
    Conflict(UniqueField),
    /// The row the change needs is not there (or belongs to another company).
    #[error("not found")]
    NotFound,
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
            StoreError::Database(err) => Self::fault(err),
        }
    }
}
