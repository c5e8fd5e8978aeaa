use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PageRequest, Paged};
use crate::DomainError;
use crate::webhooks::EventType;

/// A webhook as clients see it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    /// In catalogue order.
    pub events: Vec<EventType>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One try of one event to one webhook, made or due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event: EventType,
    /// 1 for the first try.
    pub attempt: u32,
    /// When the try was made; `None` while it is due.
    pub attempted_at: Option<DateTime<Utc>>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event is next tried: this try's time while it is due, the retry's after a
    /// failure; `None` once delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

pub trait WebhookQueries {
    /// [`DomainError::NotFound`] when the company has no such webhook.
    async fn webhook_view(&self, company_id: Uuid, id: Uuid) -> Result<WebhookView, DomainError>;
    /// Oldest first.
    async fn list_webhooks(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<WebhookView>, DomainError>;
    /// The webhook's tries, newest first; [`DomainError::NotFound`] when the company has no
    /// such webhook.
    async fn list_deliveries(
        &self,
        company_id: Uuid,
        webhook_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<DeliveryView>, DomainError>;
}
