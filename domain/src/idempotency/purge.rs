//! The scheduler's purge of keys whose answers are no longer replayed.

use chrono::Duration;

use super::KEPT_FOR_HOURS;
use crate::DomainError;
use crate::auth::PURGE_BATCH;
use crate::ports::{Clock, Housekeeping};

/// Deletes keys over [`KEPT_FOR_HOURS`] old, at most [`PURGE_BATCH`] of them; how many.
pub async fn purge_expired_keys(
    store: &impl Housekeeping,
    clock: &impl Clock,
) -> Result<u64, DomainError> {
    let older_than = clock.now() - Duration::hours(KEPT_FOR_HOURS);
    store.purge_idempotency_keys(older_than, PURGE_BATCH).await
}
