//! Reports (`reports:read`).

use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Json, Query};
use domain::queries::{LeadLoad, LeadQueries, PageRequest, Paged};
use domain::{Action, Resource};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::error::ApiError;
use crate::paging::{page, page_request};
use crate::routes::roles::PageQuery;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/reports/lead-load").get(lead_load).finish()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadLoadDto {
    pub user_id: Uuid,
    pub name: String,
    pub lead_cap: i32,
    /// Open leads held now.
    pub leads_held: i64,
}

page!(LeadLoadPage of LeadLoadDto, "One page of users' lead load. A page past the end has no items.");

/// Every user's cap and the open leads they hold (cap 0 included), by name.
#[utoipa::path(get, path = "/api/v1/reports/lead-load", operation_id = "getLeadLoadReport", tag = "reports", params(PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of users' lead load.", body = LeadLoadPage)))]
pub async fn lead_load(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> Result<Json<LeadLoadPage>, ApiError> {
    actor.require(Resource::Reports, Action::Read)?;
    let request: PageRequest = page_request(query.page, query.per_page)?;
    let all = state.store.lead_load(actor.company_id).await?;
    let total = all.len() as u64;
    let start = usize::try_from(request.offset()).unwrap_or(usize::MAX);
    let items = all
        .into_iter()
        .skip(start)
        .take(request.per_page as usize)
        .collect();
    let paged = Paged { items, total };
    Ok(Json(LeadLoadPage::of(paged, request, |load: LeadLoad| {
        LeadLoadDto {
            user_id: load.user_id,
            name: load.name,
            lead_cap: load.lead_cap,
            leads_held: load.leads_held,
        }
    })))
}
