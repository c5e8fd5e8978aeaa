//! `POST /api/v1/leads/distribute`: hand the unassigned pool out now (`management:write`).
//! Registered with the other lead routes (`leads::resources`).

use actix_web::web::{self, Json};
use domain::leads::{self, Distribution};
use domain::{Action, Resource};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::Actor;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserShare {
    pub user_id: Uuid,
    pub assigned: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionDto {
    /// Leads handed out by this run.
    pub assigned: u64,
    /// Who got how many, in the order they first got one.
    pub per_user: Vec<UserShare>,
}

impl From<Distribution> for DistributionDto {
    fn from(run: Distribution) -> Self {
        Self {
            assigned: run.assigned,
            per_user: run
                .per_user
                .into_iter()
                .map(|(user_id, assigned)| UserShare { user_id, assigned })
                .collect(),
        }
    }
}

/// Runs the distribution now: unassigned open leads, oldest first, go to eligible users
/// toward their caps (most free capacity first, ties to the least recently assigned).
/// Concurrent runs for one company are serialized.
#[utoipa::path(post, path = "/api/v1/leads/distribute", operation_id = "distributeLeads", tag = "leads",
    security(("bearer_auth" = [])),
    responses((status = 200, description = "What this run handed out.", body = DistributionDto)))]
pub async fn distribute(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<Json<DistributionDto>, ApiError> {
    actor.require(Resource::Management, Action::Write)?;
    let state = state.get_ref();
    let run = leads::distribute(&state.store, state, actor.company_id).await?;
    Ok(Json(run.into()))
}
