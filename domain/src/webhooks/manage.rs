//! Creating, changing and deleting a company's webhooks (`settings:write`/`settings:delete`,
//! checked by the api): each audited as `webhook.*`, never with its secret.

use uuid::Uuid;

use super::{NewWebhook, WebhookPatch, WebhookRecord};
use crate::ports::{Audit, Commit, Store, Webhooks};
use crate::{Actor, AuditEntry, AuditTarget, DomainError};

pub async fn create_webhook(
    store: &impl Store,
    actor: &Actor,
    new: NewWebhook,
) -> Result<Uuid, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_webhook(&new).await?;
    let entry = webhook_event("webhook.created", id, new.url.host(), Vec::new());
    tx.record(actor, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a webhook's URL, events or whether it is enabled; what does not change is not
/// written nor audited. Deliveries already due go to the URL as it is when they are sent.
pub async fn update_webhook(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
    patch: WebhookPatch,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let current = tx.lock_webhook(id).await?.ok_or(DomainError::NotFound)?;
    let mut after = current.clone();
    let mut changes = Vec::new();
    if let Some(url) = patch.url.filter(|u| u.as_str() != current.url) {
        after.url = url.as_str().to_owned();
        changes.push("url");
    }
    if let Some(events) = patch.events.filter(|e| *e != current.events) {
        after.events = events;
        changes.push("events");
    }
    if let Some(enabled) = patch.enabled.filter(|e| *e != current.enabled) {
        after.enabled = enabled;
        changes.push("enabled");
    }
    if !changes.is_empty() {
        tx.save_webhook(&after).await?;
        let entry = webhook_event("webhook.updated", id, host_of(&after), changes);
        tx.record(actor, entry).await?;
    }
    tx.commit().await
}

/// Deletes a webhook with its delivery log; its pending deliveries are never sent.
pub async fn delete_webhook(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let current = tx.lock_webhook(id).await?.ok_or(DomainError::NotFound)?;
    tx.delete_webhook(id).await?;
    let entry = webhook_event("webhook.deleted", id, host_of(&current), Vec::new());
    tx.record(actor, entry).await?;
    tx.commit().await
}

/// The host of a stored URL (parsed when it was written, so it has one).
fn host_of(webhook: &WebhookRecord) -> String {
    super::WebhookUrl::parse(&webhook.url, super::Destinations::Anywhere)
        .map(|url| url.host())
        .unwrap_or_default()
}

/// The audit entry of a webhook change. The target's name is the URL's host: its path or
/// query may carry a token, which has no place in the audit trail.
fn webhook_event(
    action: &'static str,
    id: Uuid,
    host: String,
    changes: Vec<&'static str>,
) -> AuditEntry {
    AuditEntry {
        action,
        target: Some(AuditTarget {
            kind: "webhook",
            id,
            name: host,
        }),
        changes,
    }
}
