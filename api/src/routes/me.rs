//! The signed-in user's own view.

use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::Endpoint;
use crate::actor::Actor;
use crate::dto::{CompanyDto, UserDto};
use crate::error::ApiError;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/me").get(me).finish()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserDto,
    pub company: CompanyDto,
    /// Every `resource:action` the role grants, in catalogue order.
    pub permissions: Vec<String>,
    /// The resources the role can read, in sidebar order: the pages a client shows.
    pub menu: Vec<&'static str>,
}

/// Who am I, in which company, and what may I do.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer_auth" = [])),
    responses((status = 200, description = "The signed-in user.", body = MeResponse)))]
pub async fn me(state: web::Data<AppState>, actor: Actor) -> Result<Json<MeResponse>, ApiError> {
    let tenant = state.store.tenant(actor.company_id);
    let user = tenant.user_view(actor.user_id).await?;
    let company = tenant.company().await?;
    Ok(Json(MeResponse {
        user: user.into(),
        company: company.into(),
        permissions: actor.permissions.iter().map(|p| p.to_string()).collect(),
        menu: actor.permissions.menu().map(|r| r.as_str()).collect(),
    }))
}
