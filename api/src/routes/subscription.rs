//! The subscription (`billing:*`): seats.

use actix_web::dev::HttpServiceFactory;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use domain::queries::{CompanyQueries, SubscriptionView};
use domain::{Action, Invalid, Resource, subscription};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Endpoint;
use crate::actor::Actor;
use crate::conditional::{self, IF_MATCH_DOC};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/subscription")
        .get(get_subscription)
        .patch(update_subscription)
        .finish()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionDto {
    pub plan: String,
    /// Users the company may have, banned ones included.
    pub agent_limit: i64,
    pub seats_used: i64,
    pub seats_available: i64,
    pub can_add_user: bool,
}

impl From<SubscriptionView> for SubscriptionDto {
    fn from(view: SubscriptionView) -> Self {
        let seats_available = (view.agent_limit - view.seats_used).max(0);
        Self {
            plan: view.plan,
            agent_limit: view.agent_limit,
            seats_used: view.seats_used,
            seats_available,
            can_add_user: seats_available > 0,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSubscriptionRequest {
    /// At least the seats in use, at most 100,000.
    #[serde(deserialize_with = "crate::json::whole")]
    #[schema(minimum = 0, maximum = 100_000)]
    pub agent_limit: i64,
}

/// Seats of the subscription, with its version as the `ETag` (send it back as `If-Match` with
/// a change, so that the change applies only if nobody changed the subscription meanwhile).
/// The version changes with every change of the plan or agent limit, not with `seats_used`.
#[utoipa::path(get, path = "/api/v1/subscription", operation_id = "getSubscription", tag = "subscription",
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The subscription.", body = SubscriptionDto,
        headers(("ETag" = String, description = "The subscription's version, a strong tag: send it back as `If-Match`.")))))]
pub async fn get_subscription(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Billing, Action::Read)?;
    current(&state, &actor).await
}

/// The subscription as it stands, with its `ETag`, as both operations answer it.
async fn current(state: &AppState, actor: &Actor) -> Result<HttpResponse, ApiError> {
    let subscription = state.store.subscription(actor.company_id).await?;
    Ok(conditional::answer(
        subscription.version,
        SubscriptionDto::from(subscription),
    ))
}

/// Largest agent limit accepted: bounds a typo, not a business.
const MAX_AGENT_LIMIT: i64 = 100_000;

/// Changes the agent limit; it cannot go below the seats in use.
#[utoipa::path(patch, path = "/api/v1/subscription", operation_id = "updateSubscription", tag = "subscription", request_body = UpdateSubscriptionRequest,
    params(("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated subscription.", body = SubscriptionDto,
            headers(("ETag" = String, description = "The subscription's version, a strong tag: send it back as `If-Match`."))),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` on `agent_limit`: below the seats in use, or out of range.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_subscription(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    body: ApiJson<UpdateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Billing, Action::Write)?;
    let precondition = conditional::precondition(&req)?;
    let limit = i32::try_from(body.0.agent_limit)
        .ok()
        .filter(|l| (0..=MAX_AGENT_LIMIT).contains(&i64::from(*l)))
        .ok_or_else(|| {
            let message = format!("must be between 0 and {MAX_AGENT_LIMIT}");
            ApiError::invalid(Invalid::new("out_of_range", message).at("agent_limit"))
        })?;
    subscription::set_agent_limit(&state.store, &actor.acting(), limit.into(), &precondition)
        .await?;
    current(&state, &actor).await
}
