//! Webhooks: a company's subscriptions to the changes of its records, and their delivery.
//!
//! A change's use case records an [`Event`] through the [`Outbox`](crate::ports::Outbox) port
//! in the transaction that makes the change, so a change that commits is delivered at least
//! once and one that rolls back never is. A worker on every replica fans each recorded event
//! out into one delivery per subscribed webhook, claims the due deliveries
//! ([`DeliveryQueue`](crate::ports::DeliveryQueue)), sends them outside any transaction and
//! [`settle`]s each try; a failed one is tried again on the schedule of [`retry`].

mod delivery;
mod events;
mod manage;
pub mod retry;
#[cfg(test)]
mod tests;
mod url;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use delivery::{purge_old_events, settle};
pub use events::{Event, EventData, EventType, ResourceKind, UnknownEvent};
pub use manage::{create_webhook, delete_webhook, update_webhook};
pub use url::{Destinations, MAX_URL_BYTES, WebhookUrl, address_allowed};

use crate::Invalid;

/// How long events are kept, with their delivery log: long after their last try (a day).
pub const KEPT_FOR_DAYS: i64 = 30;

/// The events a webhook subscribes to: at least one, each once, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet(BTreeSet<EventType>);

impl EventSet {
    pub fn new(types: impl IntoIterator<Item = EventType>) -> Result<Self, Invalid> {
        let set: BTreeSet<EventType> = types.into_iter().collect();
        if set.is_empty() {
            return Err(Invalid::new("too_short", "subscribe to at least one event"));
        }
        Ok(Self(set))
    }

    pub fn iter(&self) -> impl Iterator<Item = EventType> + '_ {
        self.0.iter().copied()
    }
}

/// A webhook to create. The secret is made by the caller (randomness is not the domain's).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: EventSet,
    pub enabled: bool,
    pub secret: String,
}

/// A stored webhook, as a change reads it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: Uuid,
    pub url: String,
    pub events: EventSet,
    pub enabled: bool,
}

/// A partial change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    pub url: Option<WebhookUrl>,
    pub events: Option<EventSet>,
    pub enabled: Option<bool>,
}

/// A delivery the worker claimed: one try of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub company_id: Uuid,
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    /// 1 for the first try.
    pub attempt: u32,
    pub url: String,
    pub secret: String,
    pub event: EventType,
    pub occurred_at: DateTime<Utc>,
    /// The record a resource event shows (see [`EventData::Resource`]).
    pub subject_id: Option<Uuid>,
    /// The `data` JSON fixed at the change, for the events that carry no resource.
    pub fixed_data: Option<String>,
    /// The body as first sent, once it was: every later try sends these bytes.
    pub body: Option<String>,
}

/// How one try went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's status, when it answered.
    pub status_code: Option<u16>,
    /// Why the try failed (a timeout, a refused address, a non-2xx status), for the log.
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl Outcome {
    /// A 2xx answer.
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}
