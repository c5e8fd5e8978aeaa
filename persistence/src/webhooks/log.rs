//! The delivery log of one webhook, as clients read it.

use domain::queries::{DeliveryView, PageRequest, Paged};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryResult,
};
use uuid::Uuid;

use super::{event_type, on_event};
use crate::entity::{webhook_delivery, webhook_event};
use crate::{StoreError, Tenant};

use webhook_delivery::Column as D;

impl Tenant<'_> {
    /// The webhook's tries, newest first; [`StoreError::NotFound`] without such a webhook.
    pub async fn list_deliveries(
        &self,
        webhook_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<DeliveryView>, StoreError> {
        if !self.has_webhook(webhook_id).await? {
            return Err(StoreError::NotFound);
        }
        let total = webhook_delivery::Entity::find()
            .filter(D::CompanyId.eq(self.company_id))
            .filter(D::WebhookId.eq(webhook_id))
            .count(self.db)
            .await?;
        let (d, e) = (webhook_delivery::Entity, webhook_event::Entity);
        let query = Query::select()
            .columns([
                (d, D::Id),
                (d, D::EventId),
                (d, D::Attempt),
                (d, D::DueAt),
                (d, D::AttemptedAt),
                (d, D::StatusCode),
                (d, D::Error),
                (d, D::DeliveredAt),
                (d, D::NextAttemptAt),
            ])
            .column((e, webhook_event::Column::EventType))
            .from(d)
            .inner_join(e, on_event())
            .and_where(Expr::col((d, D::CompanyId)).eq(self.company_id))
            .and_where(Expr::col((d, D::WebhookId)).eq(webhook_id))
            .order_by((d, D::Id), Order::Desc)
            .limit(page.per_page)
            .offset(page.offset())
            .take();
        let backend = self.db.get_database_backend();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        Ok(Paged {
            items: rows.iter().map(delivery_view).collect::<Result<_, _>>()?,
            total,
        })
    }
}

fn delivery_view(row: &QueryResult) -> Result<DeliveryView, StoreError> {
    let attempt: i32 = row.try_get("", "attempt")?;
    let status: Option<i32> = row.try_get("", "status_code")?;
    let kind: String = row.try_get("", "event_type")?;
    let attempted_at = row.try_get("", "attempted_at")?;
    Ok(DeliveryView {
        id: row.try_get("", "id")?,
        event_id: row.try_get("", "event_id")?,
        event: event_type(&kind)?,
        attempt: u32::try_from(attempt).unwrap_or(1),
        status_code: status.and_then(|s| u16::try_from(s).ok()),
        error: row.try_get("", "error")?,
        delivered_at: row.try_get("", "delivered_at")?,
        // A try not yet made is due at its own time.
        next_attempt_at: match attempted_at {
            None => Some(row.try_get("", "due_at")?),
            Some(_) => row.try_get("", "next_attempt_at")?,
        },
        attempted_at,
    })
}
