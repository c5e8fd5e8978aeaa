//! The in-memory webhooks and outbox.

use uuid::Uuid;

use super::MemoryTx;
use crate::DomainError;
use crate::ports::{Outbox, Webhooks};
use crate::webhooks::{Event, NewWebhook, WebhookRecord};

impl Webhooks for MemoryTx {
    async fn insert_webhook(&mut self, new: &NewWebhook) -> Result<Uuid, DomainError> {
        let id = self.inner.new_id();
        let record = WebhookRecord {
            id,
            url: new.url.as_str().to_owned(),
            events: new.events.clone(),
            enabled: new.enabled,
        };
        self.company.webhooks.insert(id, record);
        Ok(id)
    }

    async fn lock_webhook(&mut self, id: Uuid) -> Result<Option<WebhookRecord>, DomainError> {
        Ok(self.company.webhooks.get(&id).cloned())
    }

    async fn save_webhook(&mut self, webhook: &WebhookRecord) -> Result<(), DomainError> {
        self.company.webhooks.insert(webhook.id, webhook.clone());
        Ok(())
    }

    async fn delete_webhook(&mut self, id: Uuid) -> Result<(), DomainError> {
        self.company.webhooks.remove(&id);
        Ok(())
    }
}

/// Records every event, subscribed or not: what the use cases decide to record is what the
/// tests read (the SeaORM store skips events nobody subscribes to).
impl Outbox for MemoryTx {
    async fn record_event(&mut self, event: Event) -> Result<(), DomainError> {
        self.company.outbox.push(event);
        Ok(())
    }
}
