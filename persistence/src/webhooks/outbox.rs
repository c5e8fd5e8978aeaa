//! The [`Outbox`] port: an event and its first deliveries, written in the transaction of the
//! change that caused it.

use chrono::Utc;
use domain::DomainError;
use domain::ports::Outbox;
use domain::webhooks::{Event, EventData};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, QueryResult};
use serde_json::json;
use uuid::Uuid;

use super::{due_try, on_webhook};
use crate::StoreError;
use crate::entity::{webhook, webhook_delivery, webhook_event, webhook_subscription};
use crate::tx::SeaTx;

impl Outbox for SeaTx {
    /// One indexed read when nobody subscribes (the common case, and the whole cost the
    /// outbox adds to a change then); otherwise the event and one delivery per webhook.
    async fn record_event(&mut self, event: Event) -> Result<(), DomainError> {
        let webhooks = self.subscribed(&event).await?;
        if webhooks.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let event_id = Uuid::now_v7();
        let (subject_id, data) = stored_data(&event.data);
        webhook_event::Entity::insert(webhook_event::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(event_id),
            event_type: Set(event.kind.as_str().to_owned()),
            occurred_at: Set(now),
            subject_id: Set(subject_id),
            data: Set(data),
            body: Set(None),
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        let deliveries = webhooks
            .into_iter()
            .map(|webhook_id| due_try(self.company_id, webhook_id, event_id, 1, now));
        webhook_delivery::Entity::insert_many(deliveries)
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        self.recorded_events = true;
        Ok(())
    }
}

impl SeaTx {
    /// The company's enabled webhooks subscribed to the event's type.
    async fn subscribed(&self, event: &Event) -> Result<Vec<Uuid>, StoreError> {
        use webhook_subscription::Column as S;
        let query = Query::select()
            .column((webhook_subscription::Entity, S::WebhookId))
            .from(webhook_subscription::Entity)
            .inner_join(webhook::Entity, on_webhook(webhook_subscription::Entity))
            .and_where(Expr::col((webhook_subscription::Entity, S::CompanyId)).eq(self.company_id))
            .and_where(
                Expr::col((webhook_subscription::Entity, S::EventType)).eq(event.kind.as_str()),
            )
            .and_where(Expr::col((webhook::Entity, webhook::Column::Enabled)).eq(true))
            .take();
        let backend = self.txn.get_database_backend();
        let rows = self.txn.query_all_raw(backend.build(&query)).await?;
        rows.iter()
            .map(|row: &QueryResult| Ok(row.try_get::<Uuid>("", "webhook_id")?))
            .collect()
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
