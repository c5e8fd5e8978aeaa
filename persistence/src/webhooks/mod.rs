//! Webhooks: the company's subscriptions (`manage.rs`), the outbox the changes write in
//! their transaction (`outbox.rs`), the delivery log clients read (`log.rs`) and the queue the
//! delivery workers claim from (`queue.rs`).

mod log;
mod manage;
mod outbox;
mod queue;

use domain::webhooks::EventType;

use crate::StoreError;

/// An event name read back from the database: written from the catalogue, so anything else
/// is a fault of the data.
pub(crate) fn event_type(name: &str) -> Result<EventType, StoreError> {
    name.parse().map_err(|_| {
        StoreError::Database(sea_orm::DbErr::Type(format!(
            "{name:?} is not in the event catalogue"
        )))
    })
}
