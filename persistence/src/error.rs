use domain::{DomainError, UniqueField};
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

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

/// At the ports' boundary a database error becomes an opaque fault, or, when the database
/// could not be reached, an outage worth retrying: the domain never names a database type.
impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(field) => Self::Conflict(field),
            StoreError::NotFound => Self::NotFound,
            StoreError::Database(err) if is_outage(&err) => Self::Unavailable(Box::new(err)),
            StoreError::Database(err) => Self::fault(err),
        }
    }
}

/// The database could not be reached, or dropped the connection mid-statement (a restart, a
/// failover, a network cut): nothing is wrong with the request, and the pool reconnects by
/// itself once the database is back.
fn is_outage(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        _ => {
            lost_connection(err)
                || sqlx_cause(err).is_some_and(|cause| {
                    matches!(cause, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
                })
        }
    }
}

/// The connection a statement ran on broke under it: its socket failed or closed, or the
/// server ended its backend (PostgreSQL's 57P class: admin or crash shutdown; the 08
/// connection-exception class). Unlike a pool that has no connection to give, this says
/// nothing about the next connection: the pool closes the broken one.
pub(crate) fn lost_connection(err: &DbErr) -> bool {
    match sqlx_cause(err) {
        Some(sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed) => true,
        Some(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
        _ => false,
    }
}

/// The driver's error under a connection, statement or query error.
fn sqlx_cause(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(cause))
        | DbErr::Exec(RuntimeErr::SqlxError(cause))
        | DbErr::Query(RuntimeErr::SqlxError(cause)) => Some(cause.as_ref()),
        _ => None,
    }
}
