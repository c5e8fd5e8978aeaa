//! The [`Webhooks`] port in a change's transaction, and the reads of the webhooks clients see.

use std::collections::HashMap;

use chrono::Utc;
use domain::DomainError;
use domain::ports::Webhooks;
use domain::queries::{PageRequest, Paged, WebhookView};
use domain::webhooks::{EventSet, EventType, NewWebhook, WebhookRecord};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::event_type;
use crate::entity::{webhook, webhook_subscription};
use crate::tx::SeaTx;
use crate::write::lock_company;
use crate::{StoreError, Tenant};

impl Webhooks for SeaTx {
    async fn insert_webhook(&mut self, new: &NewWebhook) -> Result<Uuid, DomainError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        webhook::Entity::insert(webhook::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            url: Set(new.url.as_str().to_owned()),
            secret: Set(new.secret.clone()),
            enabled: Set(new.enabled),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        subscribe(&self.txn, self.company_id, id, &new.events).await?;
        Ok(id)
    }

    async fn lock_webhook(&mut self, id: Uuid) -> Result<Option<WebhookRecord>, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        let Some(row) = webhook::Entity::find_by_id((self.company_id, id))
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?
        else {
            return Ok(None);
        };
        let mut events = subscriptions(&self.txn, self.company_id, &[id]).await?;
        let events = EventSet::new(events.remove(&id).unwrap_or_default())
            .map_err(|_| DomainError::fault("a stored webhook has no event"))?;
        Ok(Some(WebhookRecord {
            id,
            url: row.url,
            events,
            enabled: row.enabled,
        }))
    }

    async fn save_webhook(&mut self, record: &WebhookRecord) -> Result<(), DomainError> {
        webhook::Entity::update_many()
            .set(webhook::ActiveModel {
                url: Set(record.url.clone()),
                enabled: Set(record.enabled),
                updated_at: Set(Utc::now()),
                ..Default::default()
            })
            .filter(webhook::Column::CompanyId.eq(self.company_id))
            .filter(webhook::Column::Id.eq(record.id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        webhook_subscription::Entity::delete_many()
            .filter(webhook_subscription::Column::CompanyId.eq(self.company_id))
            .filter(webhook_subscription::Column::WebhookId.eq(record.id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        subscribe(&self.txn, self.company_id, record.id, &record.events).await?;
        Ok(())
    }

    async fn delete_webhook(&mut self, id: Uuid) -> Result<(), DomainError> {
        // Its subscriptions and deliveries go with it (foreign keys, ON DELETE CASCADE).
        webhook::Entity::delete_many()
            .filter(webhook::Column::CompanyId.eq(self.company_id))
            .filter(webhook::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

async fn subscribe(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
    webhook_id: Uuid,
    events: &EventSet,
) -> Result<(), StoreError> {
    let rows = events.iter().map(|kind| webhook_subscription::ActiveModel {
        company_id: Set(company_id),
        webhook_id: Set(webhook_id),
        event_type: Set(kind.as_str().to_owned()),
    });
    webhook_subscription::Entity::insert_many(rows)
        .exec(txn)
        .await?;
    Ok(())
}

/// The events each of `webhooks` subscribes to, in catalogue order.
async fn subscriptions(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    webhooks: &[Uuid],
) -> Result<HashMap<Uuid, Vec<EventType>>, StoreError> {
    let rows = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::CompanyId.eq(company_id))
        .filter(webhook_subscription::Column::WebhookId.is_in(webhooks.iter().copied()))
        .all(db)
        .await?;
    let mut by_webhook: HashMap<Uuid, Vec<EventType>> = HashMap::new();
    for row in rows {
        by_webhook
            .entry(row.webhook_id)
            .or_default()
            .push(event_type(&row.event_type)?);
    }
    for events in by_webhook.values_mut() {
        events.sort();
    }
    Ok(by_webhook)
}

impl Tenant<'_> {
    pub async fn webhook_view(&self, id: Uuid) -> Result<WebhookView, StoreError> {
        let row = webhook::Entity::find_by_id((self.company_id, id))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut views = self.with_events(vec![row]).await?;
        views.pop().ok_or(StoreError::NotFound)
    }

    /// Oldest first (ids are v7: time-ordered).
    pub async fn list_webhooks(&self, page: PageRequest) -> Result<Paged<WebhookView>, StoreError> {
        let query = webhook::Entity::find().filter(webhook::Column::CompanyId.eq(self.company_id));
        let total = query.clone().count(self.db).await?;
        let rows = query
            .order_by_asc(webhook::Column::Id)
            .limit(page.per_page)
            .offset(page.offset())
            .all(self.db)
            .await?;
        Ok(Paged {
            items: self.with_events(rows).await?,
            total,
        })
    }

    /// Whether the company has the webhook.
    pub(super) async fn has_webhook(&self, id: Uuid) -> Result<bool, StoreError> {
        let found = webhook::Entity::find_by_id((self.company_id, id))
            .select_only()
            .column(webhook::Column::Id)
            .into_tuple::<Uuid>()
            .one(self.db)
            .await?;
        Ok(found.is_some())
    }

    async fn with_events(&self, rows: Vec<webhook::Model>) -> Result<Vec<WebhookView>, StoreError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut events = subscriptions(self.db, self.company_id, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| WebhookView {
                events: events.remove(&row.id).unwrap_or_default(),
                id: row.id,
                url: row.url,
                enabled: row.enabled,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
            .collect())
    }
}
