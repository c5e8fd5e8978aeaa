//! The audit trail (`settings:read`).

use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Json, Query};
use chrono::{DateTime, Utc};
use domain::queries::{AuditActor, AuditEventView, AuditFilter, AuditQueries};
use domain::{Action, ActorKind, Resource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::error::ApiError;
use crate::paging::{page, page_request};
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/audit-events")
        .get(list_audit_events)
        .finish()
}

/// Who acted: a signed-in person, or an integration's API key.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActorDto {
    #[serde(rename = "type")]
    pub kind: ActorKindDto,
    /// The user's id, or the API key's.
    pub id: Uuid,
    /// Their name when the event happened.
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKindDto {
    User,
    ApiKey,
}

impl From<AuditActor> for AuditActorDto {
    fn from(actor: AuditActor) -> Self {
        Self {
            kind: match actor.kind {
                ActorKind::User => ActorKindDto::User,
                ActorKind::ApiKey => ActorKindDto::ApiKey,
            },
            id: actor.id,
            name: actor.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditTargetDto {
    /// `user`, `role`, `department` or `branch`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Uuid,
    /// Its name when the event happened.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// e.g. `user.created`, `user.banned`, `role.updated`, `subscription.updated`.
    pub action: String,
    /// `null` for what the operator's command line did.
    #[schema(required = true)]
    pub actor: Option<AuditActorDto>,
    #[schema(required = true)]
    pub target: Option<AuditTargetDto>,
    /// Names of the changed fields; never their values.
    pub changes: Vec<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
}

page!(AuditEventPage of AuditEventDto, "One page of audit events. A page past the end has no items.");

impl From<AuditEventView> for AuditEventDto {
    fn from(event: AuditEventView) -> Self {
        Self {
            id: event.id,
            at: event.at,
            action: event.action,
            actor: event.actor.map(AuditActorDto::from),
            target: event
                .target
                .map(|(kind, id, name)| AuditTargetDto { kind, id, name }),
            changes: event.changes,
            ip: event.ip,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor_id: Option<Uuid>,
    /// An exact action, e.g. `user.banned`.
    pub action: Option<String>,
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Who did what to whom, newest first.
#[utoipa::path(get, path = "/api/v1/audit-events", operation_id = "listAuditEvents", tag = "audit", params(AuditQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of events.", body = AuditEventPage)))]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AuditQuery>,
) -> Result<Json<AuditEventPage>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let query = query.into_inner();
    let request = page_request(query.page, query.per_page)?;
    let filter = AuditFilter {
        actor_id: query.actor_id,
        action: query.action,
    };
    let paged = state
        .store
        .audit_events(actor.company_id, &filter, request)
        .await?;
    Ok(Json(AuditEventPage::of(
        paged,
        request,
        AuditEventDto::from,
    )))
}
