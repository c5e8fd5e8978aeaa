//! One retry for a read whose pooled connection broke under it.
//!
//! When PostgreSQL restarts or fails over, or terminates backends (`pg_terminate_backend`), the
//! pool can still hold connections whose server backend is gone, and a statement sent on one
//! fails however healthy the database is by then. The pool closes a connection that failed
//! like that, so the same read again runs on another one (a fresh connection, or an idle one
//! the pool tests before handing it out) and can answer instead of a 503. Reads only: running
//! one twice changes nothing, while a write or a commit whose answer was lost may have
//! happened, so those are never retried.

use crate::StoreError;
use crate::error::lost_connection;

/// Runs `read`, and once more when the first attempt lost its connection. Any other error is
/// returned as it is, a pool timeout included: the pool had no connection to give for the
/// whole acquire timeout, and asking again would only double the wait for the same 503.
pub(crate) async fn read_retrying<T, F, Fut>(read: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    match read().await {
        Err(StoreError::Database(err)) if lost_connection(&err) => {
            tracing::warn!(error = %err, "a read lost its database connection; retrying it once");
            read().await
        }
        done => done,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::io;
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};

    use super::*;

    /// What a statement reports when its connection's socket failed (`kind` tells which).
    fn lost(kind: io::ErrorKind) -> StoreError {
        let cause = sqlx::Error::Io(io::Error::from(kind));
        StoreError::Database(DbErr::Query(RuntimeErr::SqlxError(Arc::new(cause))))
    }

    fn io_kind(result: &Result<u32, StoreError>) -> Option<io::ErrorKind> {
        match result {
            Err(StoreError::Database(DbErr::Query(RuntimeErr::SqlxError(cause)))) => {
                match cause.as_ref() {
                    sqlx::Error::Io(err) => Some(err.kind()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Runs `read_retrying` over a read that gives `answers` in turn; returns its result and
    /// how many times the read ran.
    async fn run(answers: Vec<Result<u32, StoreError>>) -> (Result<u32, StoreError>, usize) {
        let answers = RefCell::new(answers.into_iter());
        let calls = Cell::new(0);
        let result = read_retrying(|| {
            calls.set(calls.get() + 1);
            let answer = answers
                .borrow_mut()
                .next()
                .expect("more calls than answers");
            async move { answer }
        })
        .await;
        (result, calls.get())
    }

    #[tokio::test]
    async fn a_read_that_lost_its_connection_is_retried_once() {
        let (result, calls) = run(vec![Err(lost(io::ErrorKind::ConnectionReset)), Ok(7)]).await;

        assert_eq!((result.unwrap(), calls), (7, 2));
    }

    #[tokio::test]
    async fn a_read_that_loses_its_connection_twice_fails_with_the_second_error() {
        let answers = vec![
            Err(lost(io::ErrorKind::ConnectionReset)),
            Err(lost(io::ErrorKind::UnexpectedEof)),
            Ok(7),
        ];

        let (result, calls) = run(answers).await;

        assert_eq!(io_kind(&result), Some(io::ErrorKind::UnexpectedEof));
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let (result, calls) = run(vec![Err(StoreError::NotFound), Ok(7)]).await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
        assert_eq!(calls, 1);

        let not_an_outage = StoreError::Database(DbErr::RecordNotFound("user".into()));
        let (result, calls) = run(vec![Err(not_an_outage), Ok(7)]).await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn a_pool_timeout_is_not_retried() {
        let timeout = StoreError::Database(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));

        let (result, calls) = run(vec![Err(timeout), Ok(7)]).await;

        assert!(
            matches!(
                result,
                Err(StoreError::Database(DbErr::ConnectionAcquire(
                    ConnAcquireErr::Timeout
                )))
            ),
            "{result:?}"
        );
        assert_eq!(calls, 1);
    }
}
