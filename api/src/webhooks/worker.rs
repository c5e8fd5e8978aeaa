//! The delivery worker, started on every replica: it fans the events the changes recorded out
//! into one delivery per subscribed webhook, then claims due deliveries (leased, so no two
//! replicas send one at once), sends each on a task of its own, at most [`CONCURRENCY`] at a
//! time, and settles it. It claims only as many as it can start at once, so a lease never
//! waits in a queue. It polls every [`POLL`], claims again at once while deliveries are
//! backed up, and is woken as soon as a commit records events.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::ports::DeliveryQueue;
use domain::webhooks::{self, DueDelivery};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::Sender;
use super::render;
use crate::state::AppStore;

/// Sends in flight at once, per replica.
const CONCURRENCY: usize = 64;
/// Events fanned out into deliveries per round (one short transaction).
const FAN_OUT_BATCH: u64 = 256;
/// How often the worker looks for due deliveries when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// How long a claimed delivery is this replica's: longer than a send (10 s) and its writes.
/// A replica that dies mid-send leaves it due again once this runs out.
const LEASE_SECONDS: i64 = 60;

/// Runs the worker until the process ends.
pub fn start(store: AppStore, sender: Sender, wake: Arc<Notify>) {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        loop {
            // Only this loop takes slots, so those free now are still free below.
            let Ok(first) = Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let fanned_out = match store.fan_out(FAN_OUT_BATCH).await {
                Ok(fanned_out) => fanned_out,
                Err(err) => {
                    tracing::error!(error = %err, "fanning out webhook events failed");
                    0
                }
            };
            let free = 1 + slots.available_permits();
            let now = Utc::now();
            let lease_until = now + chrono::Duration::seconds(LEASE_SECONDS);
            let claimed = match store.claim_due(now, lease_until, free as u64).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::error!(error = %err, "claiming webhook deliveries failed");
                    drop(first);
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            let backed_up = claimed.len() == free || fanned_out == FAN_OUT_BATCH;
            let mut permit = Some(first);
            for delivery in claimed {
                let slot = match permit.take() {
                    Some(slot) => slot,
                    None => match Arc::clone(&slots).acquire_owned().await {
                        Ok(slot) => slot,
                        Err(_) => return,
                    },
                };
                tokio::spawn(deliver(store.clone(), sender.clone(), delivery, slot));
            }
            drop(permit);
            if !backed_up {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    () = wake.notified() => {}
                }
            }
        }
    });
}

/// One try: the frozen body (rendered and frozen first if this is the event's first send),
/// the POST, then its outcome. A failure to read or write the store leaves the delivery
/// leased: it is tried again when the lease runs out.
async fn deliver(
    store: AppStore,
    sender: Sender,
    delivery: DueDelivery,
    _slot: OwnedSemaphorePermit,
) {
    let body = match frozen_body(&store, &delivery).await {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, event_id = %delivery.event_id, "rendering a webhook event failed");
            return;
        }
    };
    let outcome = sender
        .send(&delivery.url, &delivery.secret, &body, Utc::now())
        .await;
    tracing::info!(
        company_id = %delivery.company_id,
        webhook_id = %delivery.webhook_id,
        event_id = %delivery.event_id,
        attempt = delivery.attempt,
        status = ?outcome.status_code,
        error = outcome.error.as_deref().unwrap_or(""),
        "webhook delivery"
    );
    if let Err(err) = webhooks::settle(&store, &delivery, &outcome).await {
        tracing::error!(error = %err, delivery_id = %delivery.id, "recording a webhook delivery failed");
    }
}

async fn frozen_body(
    store: &AppStore,
    delivery: &DueDelivery,
) -> Result<String, domain::DomainError> {
    if let Some(body) = &delivery.body {
        return Ok(body.clone());
    }
    let body = render::body(store, delivery).await?;
    store
        .freeze_body(delivery.company_id, delivery.event_id, body)
        .await
}
