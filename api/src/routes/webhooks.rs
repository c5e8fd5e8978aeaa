//! Webhooks (`settings:*`): a company's subscriptions to the changes of its users, roles and
//! leads, and each webhook's delivery log. Delivery itself is `crate::webhooks`.

use actix_web::HttpResponse;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Json, Path, Query};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::queries::{DeliveryView, WebhookQueries, WebhookView};
use domain::webhooks::{self, EventSet, EventType, NewWebhook, WebhookPatch, WebhookUrl};
use domain::{Action, Invalid, Resource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{page, page_request};
use crate::routes::roles::PageQuery;
use crate::state::AppState;
use crate::validation::FieldChecks;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/webhooks")
            .get(list_webhooks)
            .post(create_webhook)
            .finish(),
        Endpoint::new("/webhooks/{id}")
            .get(get_webhook)
            .patch(update_webhook)
            .delete(delete_webhook)
            .finish(),
        Endpoint::new("/webhooks/{id}/deliveries")
            .get(list_webhook_deliveries)
            .finish(),
    )
}

/// A webhook. Its secret is shown only when it is created.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: Uuid,
    #[schema(value_type = crate::schema_rules::WebhookUrl)]
    pub url: String,
    /// The events it receives, in catalogue order.
    #[schema(value_type = Vec<crate::schema_rules::WebhookEvent>)]
    pub events: Vec<&'static str>,
    /// A disabled webhook receives nothing; its pending deliveries wait (and expire 24 h
    /// after their event).
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookView> for WebhookDto {
    fn from(webhook: WebhookView) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url,
            events: webhook.events.iter().map(|e| e.as_str()).collect(),
            enabled: webhook.enabled,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }
    }
}

/// A new webhook, with its signing secret: shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookDto {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// The key of every delivery's `Calliyo-Signature` (the whole string, `whsec_` included,
    /// as UTF-8 bytes). Shown once: keep it.
    pub secret: String,
}

page!(WebhookPage of WebhookDto, "One page of webhooks. A page past the end has no items.");

/// One try of one event to one webhook: made, or due.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: Uuid,
    /// The event's `id`, as in the body sent (the same for every try and every webhook).
    pub event_id: Uuid,
    #[schema(value_type = crate::schema_rules::WebhookEvent)]
    pub event: &'static str,
    /// 1 for the first try.
    pub attempt: u32,
    /// When this try was made; `null` while it is due.
    #[schema(required = true)]
    pub attempted_at: Option<DateTime<Utc>>,
    /// The receiver's status; `null` when it did not answer (timeout, refused connection or
    /// address) or the try is not made yet.
    #[schema(required = true)]
    pub status_code: Option<u16>,
    /// Why the try failed; `null` when it was delivered or is not made yet.
    #[schema(required = true)]
    pub error: Option<String>,
    /// When the receiver acknowledged it with a 2xx.
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event is tried next: this try's own time while it is due, the retry's after
    /// a failure; `null` once delivered or given up.
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<DeliveryView> for DeliveryDto {
    fn from(delivery: DeliveryView) -> Self {
        Self {
            id: delivery.id,
            event_id: delivery.event_id,
            event: delivery.event.as_str(),
            attempt: delivery.attempt,
            attempted_at: delivery.attempted_at,
            status_code: delivery.status_code,
            error: delivery.error,
            delivered_at: delivery.delivered_at,
            next_attempt_at: delivery.next_attempt_at,
        }
    }
}

page!(DeliveryPage of DeliveryDto, "One page of a webhook's deliveries, newest first. A page past the end has no items.");

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    #[schema(value_type = crate::schema_rules::WebhookUrl)]
    pub url: String,
    /// At least one; each once (repeats are ignored).
    #[schema(value_type = Vec<crate::schema_rules::WebhookEvent>, min_items = 1)]
    pub events: Vec<String>,
    /// Default `true`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::WebhookUrl)]
    pub url: Option<String>,
    /// Replaces the whole set.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Vec<crate::schema_rules::WebhookEvent>, min_items = 1)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
}

fn parse_url(checks: &mut FieldChecks, state: &AppState, raw: &str) -> Option<WebhookUrl> {
    checks.check("url", WebhookUrl::parse(raw, state.webhook_destinations))
}

/// Parses event names, reporting each unknown one at `events[i]`.
fn parse_events(checks: &mut FieldChecks, raw: &[String]) -> Option<EventSet> {
    let mut known = true;
    let parsed: Vec<EventType> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let kind = name.parse::<EventType>().map_err(|_| {
                known = false;
                Invalid::new("unknown_event", format!("{name:?} is not in the catalogue"))
            });
            checks.check(&format!("events[{i}]"), kind)
        })
        .collect();
    if !known {
        return None;
    }
    checks.check("events", EventSet::new(parsed))
}

/// A new signing secret: `whsec_` and 256 random bits, base64url.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Lists the company's webhooks, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks", params(PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of webhooks.", body = WebhookPage)))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> Result<Json<WebhookPage>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let request = page_request(query.page, query.per_page)?;
    let paged = state.store.list_webhooks(actor.company_id, request).await?;
    Ok(Json(WebhookPage::of(paged, request, WebhookDto::from)))
}

/// Registers a webhook: from now on, every change of the company's users, roles and leads
/// whose event it subscribes to is POSTed to its URL.
///
/// **The body** of each delivery is `{id, type, occurred_at, company_id, data}`: `id` is the
/// event's (the same in every try and for every webhook: deduplicate on it), `type` one of the
/// catalogue below, `occurred_at` when the change committed (RFC 3339). `data` is the record
/// as the API shows it (the JSON of `GET` on it), or `{id}` when it was deleted. The record is
/// rendered when the event is first sent (normally within a second of the change) and the
/// body is then frozen: every retry, and every webhook, receives the very same bytes. So
/// `data` shows the record as it was at that moment, which may include a later change; a
/// record deleted by then is sent as `{id}`. Order is not promised: order by `occurred_at`.
///
/// **The catalogue**: `user.created`, `user.updated` (any change but a ban),
/// `user.banned`, `user.unbanned`, `user.deleted`; `role.created`, `role.updated`,
/// `role.deleted`; `lead.created` (`POST /leads`, its assignee included), `lead.assigned` (a
/// change of assignee, unassigning included), `lead.updated` (any other change; a change
/// doing both sends both), `lead.deleted`; `lead.batch_created` (one event per batch, `data:
/// {ids}`); `leads.distributed` (one event per distribution run that handed out leads, the
/// daily top-up included, `data: {assigned, per_user: [{user_id, lead_ids}]}`). Leads a
/// deleted user leaves unassigned send no event of their own.
///
/// **Signature**: each POST has `Content-Type: application/json` and `Calliyo-Signature:
/// t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "{t}.{raw body}"))`. Compute the HMAC over the
/// raw bytes received, compare in constant time, and refuse a `t` far from now (replays).
///
/// **Delivery**: an event is recorded in the transaction of the change, so a change that
/// commits is delivered at least once (a server crash included) and one that rolls back never
/// is. Any 2xx within 10 s acknowledges it; anything else (another status, a redirect, a
/// timeout, a refused connection) is retried after 15 s, then with delays doubling up to an
/// hour, until the event is 24 h old. Every try is in `GET /webhooks/{id}/deliveries`.
/// An event goes to the webhooks subscribed to it when it happened: one created later does
/// not get it.
///
/// **URL**: `https`, to a host that is not loopback, private, link-local or otherwise
/// non-public, checked here (422 on `url`) and again at every delivery against every address
/// its name resolves to; redirects are not followed. `CALLIYO_WEBHOOKS_ALLOW_HTTP=true`
/// (development, tests) allows `http` and any address.
///
/// The answer carries the signing `secret`, shown this once (a retry with the same
/// `Idempotency-Key` replays it).
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "createWebhook", tag = "webhooks", request_body = CreateWebhookRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; the only answer that shows the secret.", body = CreatedWebhookDto,
            headers(("Location" = String, description = "The new webhook's URL."))),
        (status = 422, description = "`validation_failed`: a URL that is not https or names a non-public host, an unknown or no event.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Write)?;
    let body = body.0;
    let mut checks = FieldChecks::default();
    let url = parse_url(&mut checks, &state, &body.url);
    let events = parse_events(&mut checks, &body.events);
    checks.finish()?;
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ApiError::internal("a refused field recorded no error"));
    };
    let secret = new_secret();
    let new = NewWebhook {
        url,
        events,
        enabled: body.enabled.unwrap_or(true),
        secret: secret.clone(),
    };
    let id = webhooks::create_webhook(&state.store, &actor.acting(), new).await?;
    let webhook = state.store.webhook_view(actor.company_id, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/webhooks/{id}")))
        .json(CreatedWebhookDto {
            webhook: webhook.into(),
            secret,
        }))
}

/// One webhook (never its secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The webhook.", body = WebhookDto)))]
pub async fn get_webhook(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<Json<WebhookDto>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let webhook = state
        .store
        .webhook_view(actor.company_id, id.into_inner())
        .await?;
    Ok(Json(webhook.into()))
}

/// Changes a webhook's URL, events or whether it is enabled (any subset). Deliveries due
/// go to the URL as it is when they are sent; a disabled webhook's wait until it is enabled
/// again (an event over 24 h old is given up after one more try).
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", operation_id = "updateWebhook", tag = "webhooks", request_body = UpdateWebhookRequest,
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated webhook.", body = WebhookDto),
        (status = 422, description = "`validation_failed`: as for `createWebhook`.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_webhook(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
    body: ApiJson<UpdateWebhookRequest>,
) -> Result<Json<WebhookDto>, ApiError> {
    actor.require(Resource::Settings, Action::Write)?;
    let body = body.0;
    let mut checks = FieldChecks::default();
    let url = body
        .url
        .as_deref()
        .map(|raw| parse_url(&mut checks, &state, raw));
    let events = body
        .events
        .as_deref()
        .map(|raw| parse_events(&mut checks, raw));
    checks.finish()?;
    let patch = WebhookPatch {
        url: url.flatten(),
        events: events.flatten(),
        enabled: body.enabled,
    };
    let id = id.into_inner();
    webhooks::update_webhook(&state.store, &actor.acting(), id, patch).await?;
    let webhook = state.store.webhook_view(actor.company_id, id).await?;
    Ok(Json(webhook.into()))
}

/// Deletes a webhook with its delivery log; its pending deliveries are never sent.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    security(("bearer_auth" = [])),
    responses((status = 204, description = "Deleted.")))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Delete)?;
    webhooks::delete_webhook(&state.store, &actor.acting(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The webhook's delivery log, newest first: one item per try, made or due.
///
/// A change's first try appears once a delivery worker has taken its event, normally within
/// a second of the change.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id."), PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of deliveries.", body = DeliveryPage)))]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
    query: Query<PageQuery>,
) -> Result<Json<DeliveryPage>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let request = page_request(query.page, query.per_page)?;
    let paged = state
        .store
        .list_deliveries(actor.company_id, id.into_inner(), request)
        .await?;
    Ok(Json(DeliveryPage::of(paged, request, DeliveryDto::from)))
}
