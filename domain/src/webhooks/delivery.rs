//! What the delivery worker and the scheduler do with the queue: settle a try, purge old
//! events.

use super::{DueDelivery, KEPT_FOR_DAYS, Outcome, retry};
use crate::DomainError;
use crate::auth::PURGE_BATCH;
use crate::ports::{Clock, DeliveryQueue, Housekeeping};

/// Records how a try went and, unless it was delivered or the event is too old, when the next
/// one is due ([`retry::next_attempt_at`]).
pub async fn settle(
    queue: &impl DeliveryQueue,
    delivery: &DueDelivery,
    outcome: &Outcome,
) -> Result<(), DomainError> {
    let retry_at = if outcome.delivered() {
        None
    } else {
        retry::next_attempt_at(delivery.attempt, delivery.occurred_at, outcome.at)
    };
    queue.settle(delivery, outcome, retry_at).await
}

/// Deletes events that happened [`KEPT_FOR_DAYS`] ago or earlier, with their delivery log, at
/// most [`PURGE_BATCH`] of them; how many.
pub async fn purge_old_events(
    store: &impl Housekeeping,
    clock: &impl Clock,
) -> Result<u64, DomainError> {
    let older_than = clock.now() - chrono::Duration::days(KEPT_FOR_DAYS);
    store.purge_webhook_events(older_than, PURGE_BATCH).await
}
