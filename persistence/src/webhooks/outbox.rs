//! The [`Outbox`] port: an event, written in the transaction of the change that caused it.
//! Its deliveries are made later by the delivery workers (`queue.rs`, [`fan_out`]), so the
//! change's transaction, which often holds its company's lock, gains one statement at most.
//!
//! [`fan_out`]: domain::ports::DeliveryQueue::fan_out

use chrono::Utc;
use domain::DomainError;
use domain::ports::Outbox;
use domain::webhooks::{Event, EventData, EventType};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use serde_json::json;
use uuid::Uuid;

use super::enabled_subscriptions;
use crate::StoreError;
use crate::entity::{webhook_event, webhook_subscription};
use crate::tx::SeaTx;

impl Outbox for SeaTx {
    /// One statement, `INSERT ... SELECT ... WHERE EXISTS (a subscription)`: the event is
    /// stored only when an enabled webhook of the company subscribes to its type, which
    /// costs a change with no subscriber what the read of the subscriptions alone would. The
    /// large data of a batch or a distribution is built only once someone is known to want
    /// it.
    async fn record_event(&mut self, event: Event) -> Result<(), DomainError> {
        let bulky = matches!(event.data, EventData::Batch(_) | EventData::Distributed(_));
        if bulky && !self.anyone_subscribed(event.kind).await? {
            return Ok(());
        }
        use webhook_event::Column as E;
        let (subject_id, data) = stored_data(&event.data);
        let row = Query::select()
            .expr(Expr::val(self.company_id))
            .expr(Expr::val(Uuid::now_v7()))
            .expr(Expr::val(event.kind.as_str()))
            .expr(Expr::val(Utc::now()))
            .expr(Expr::val(subject_id))
            .expr(Expr::val(data))
            .expr(Expr::val(false))
            .and_where(Expr::exists(self.subscriptions_to(event.kind)))
            .take();
        let insert = Query::insert()
            .into_table(webhook_event::Entity)
            .columns([
                E::CompanyId,
                E::Id,
                E::EventType,
                E::OccurredAt,
                E::SubjectId,
                E::Data,
                E::FannedOut,
            ])
            .select_from(row)
            .map_err(DomainError::fault)?
            .take();
        let backend = self.txn.get_database_backend();
        let inserted = self
            .txn
            .execute_raw(backend.build(&insert))
            .await
            .map_err(StoreError::from)?;
        if inserted.rows_affected() > 0 {
            self.recorded_events = true;
        }
        Ok(())
    }
}

impl SeaTx {
    async fn anyone_subscribed(&self, kind: EventType) -> Result<bool, StoreError> {
        let query = Query::select()
            .expr(Expr::exists(self.subscriptions_to(kind)))
            .take();
        let backend = self.txn.get_database_backend();
        let row = self.txn.query_one_raw(backend.build(&query)).await?;
        Ok(row
            .map(|row| row.try_get_by_index(0))
            .transpose()?
            .unwrap_or(false))
    }

    /// The company's enabled webhooks subscribed to `kind`.
    fn subscriptions_to(&self, kind: EventType) -> SelectStatement {
        use webhook_subscription::Column as S;
        enabled_subscriptions()
            .and_where(Expr::col((webhook_subscription::Entity, S::CompanyId)).eq(self.company_id))
            .and_where(Expr::col((webhook_subscription::Entity, S::EventType)).eq(kind.as_str()))
            .take()
    }
}

/// The record a resource event shows, and the `data` JSON of the others, fixed now: the
/// same shapes the contract gives them.
fn stored_data(data: &EventData) -> (Option<Uuid>, Option<String>) {
    match data {
        EventData::Resource(id) => (Some(*id), None),
        EventData::Deleted(id) => (Some(*id), Some(json!({ "id": id }).to_string())),
        EventData::Batch(ids) => (None, Some(json!({ "ids": ids }).to_string())),
        EventData::Distributed(per_user) => {
            let assigned: usize = per_user.iter().map(|(_, leads)| leads.len()).sum();
            let per_user: Vec<_> = per_user
                .iter()
                .map(|(user_id, lead_ids)| json!({ "user_id": user_id, "lead_ids": lead_ids }))
                .collect();
            let data = json!({ "assigned": assigned, "per_user": per_user });
            (None, Some(data.to_string()))
        }
    }
}
