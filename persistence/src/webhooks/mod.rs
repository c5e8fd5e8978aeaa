//! Webhooks: the company's subscriptions (`manage.rs`), the outbox the changes write in
//! their transaction (`outbox.rs`), the delivery log clients read (`log.rs`) and the queue the
//! delivery workers claim from (`queue.rs`).

mod log;
mod manage;
mod outbox;
mod queue;

use chrono::{DateTime, Utc};
use domain::webhooks::EventType;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, Query, SelectStatement};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{webhook, webhook_delivery, webhook_event, webhook_subscription};

/// An event name read back from the database: written from the catalogue, so anything else
/// is a fault of the data.
pub(crate) fn event_type(name: &str) -> Result<EventType, StoreError> {
    name.parse().map_err(|_| {
        StoreError::Database(sea_orm::DbErr::Type(format!(
            "{name:?} is not in the event catalogue"
        )))
    })
}

/// The join condition of `table` (a subscription or a delivery: its `company_id` and
/// `webhook_id`) on its webhook.
fn on_webhook(table: impl IntoIden + Copy) -> Expr {
    Expr::col((webhook::Entity, webhook::Column::CompanyId))
        .equals((table, Alias::new("company_id")))
        .and(
            Expr::col((webhook::Entity, webhook::Column::Id))
                .equals((table, Alias::new("webhook_id"))),
        )
}

/// The subscriptions of enabled webhooks, with their `webhook_id`: what a change records an
/// event for, and what a worker fans it out to. Callers narrow it to companies and types.
fn enabled_subscriptions() -> SelectStatement {
    let s = webhook_subscription::Entity;
    Query::select()
        .column((s, webhook_subscription::Column::WebhookId))
        .from(s)
        .inner_join(webhook::Entity, on_webhook(s))
        .and_where(Expr::col((webhook::Entity, webhook::Column::Enabled)).eq(true))
        .take()
}

/// The join condition of a delivery on its event.
fn on_event() -> Expr {
    let (d, e) = (webhook_delivery::Entity, webhook_event::Entity);
    Expr::col((e, webhook_event::Column::CompanyId))
        .equals((d, webhook_delivery::Column::CompanyId))
        .and(
            Expr::col((e, webhook_event::Column::Id))
                .equals((d, webhook_delivery::Column::EventId)),
        )
}

/// Try number `attempt` of an event to a webhook, due at `due_at`, not yet made.
fn due_try(
    company_id: Uuid,
    webhook_id: Uuid,
    event_id: Uuid,
    attempt: i32,
    due_at: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        company_id: Set(company_id),
        id: Set(Uuid::now_v7()),
        webhook_id: Set(webhook_id),
        event_id: Set(event_id),
        attempt: Set(attempt),
        due_at: Set(due_at),
        claimed_until: Set(None),
        attempted_at: Set(None),
        status_code: Set(None),
        error: Set(None),
        delivered_at: Set(None),
        next_attempt_at: Set(None),
    }
}
