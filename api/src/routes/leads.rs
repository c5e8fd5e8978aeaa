//! Leads (`management:*`): create one or a batch, list, change, assign, distribute.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::leads::{self, LeadPatch, NewLead};
use domain::queries::{LeadFilter, LeadQueries, LeadView};
use domain::{Action, Email, Invalid, LeadStatus, Name, Phone, Resource, plain_text};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Endpoint, distribution};
use crate::actor::Actor;
use crate::conditional::{self, IF_MATCH_DOC};
use crate::dto::NamedRefDto;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{nullable, page, page_request};
use crate::state::AppState;
use crate::validation::FieldChecks;

/// Most leads one batch may create.
pub const MAX_BATCH: usize = 10_000;
const MAX_SOURCE_CHARS: usize = 100;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/leads")
            .get(list_leads)
            .post(create_lead)
            .finish(),
        Endpoint::new("/leads/batch").post(create_leads).finish(),
        Endpoint::new("/leads/distribute")
            .post(distribution::distribute)
            .finish(),
        Endpoint::new("/leads/{id}")
            .get(get_lead)
            .patch(update_lead)
            .delete(delete_lead)
            .finish(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadDto {
    pub id: Uuid,
    pub name: String,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub source: Option<String>,
    /// `new`, `contacted`, `qualified` (open) or `won`, `lost` (closed).
    #[schema(value_type = crate::schema_rules::LeadStatus)]
    pub status: String,
    #[schema(required = true)]
    pub assignee: Option<NamedRefDto>,
    #[schema(required = true)]
    pub assigned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

page!(LeadPage of LeadDto, "One page of leads. A page past the end has no items.");

impl From<LeadView> for LeadDto {
    fn from(lead: LeadView) -> Self {
        Self {
            id: lead.id,
            name: lead.name,
            phone: lead.phone,
            email: lead.email,
            source: lead.source,
            status: lead.status,
            assignee: lead.assignee.map(Into::into),
            assigned_at: lead.assigned_at,
            created_at: lead.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadRequest {
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
    /// E.164, e.g. `+919812345678`.
    #[schema(value_type = Option<crate::schema_rules::PhoneOrBlank>)]
    pub phone: Option<String>,
    #[schema(value_type = Option<crate::schema_rules::EmailOrBlank>)]
    pub email: Option<String>,
    /// Where the lead came from, e.g. `website` (at most 100 characters).
    #[schema(value_type = Option<crate::schema_rules::NameOrBlank>)]
    pub source: Option<String>,
    /// Default `new`.
    #[schema(value_type = Option<crate::schema_rules::LeadStatus>)]
    pub status: Option<String>,
    /// Assigns it at once (409 `assignee_banned` or `lead_cap_reached`); without it, an open
    /// lead is auto-assigned when the company's `auto_assign_new_leads` is on.
    pub assignee_id: Option<Uuid>,
}

/// Checks one lead; `at` prefixes field paths (`leads[3].`) in a batch.
fn parse_lead(checks: &mut FieldChecks, at: &str, body: CreateLeadRequest) -> Option<NewLead> {
    let name = checks.check(&format!("{at}name"), Name::parse(&body.name));
    let phone = body
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| checks.check(&format!("{at}phone"), Phone::parse(p)));
    let email = body
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| checks.check(&format!("{at}email"), Email::parse(e)));
    let source = body
        .source
        .as_deref()
        .map(|s| checks.check(&format!("{at}source"), plain_text(s, MAX_SOURCE_CHARS)));
    let status = match body.status.as_deref() {
        Some(status) => checks.check(&format!("{at}status"), status.parse::<LeadStatus>()),
        None => Some(LeadStatus::New),
    };
    Some(NewLead {
        name: name?.into_inner(),
        phone: phone.map(|p| p.ok_or(())).transpose().ok()?,
        email: email.map(|e| e.ok_or(())).transpose().ok()?,
        source: source
            .map(|s| s.ok_or(()))
            .transpose()
            .ok()?
            .filter(|s| !s.is_empty()),
        status: status?,
        assignee_id: body.assignee_id,
    })
}

/// Creates a lead.
#[utoipa::path(post, path = "/api/v1/leads", operation_id = "createLead", tag = "leads", request_body = CreateLeadRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created (and assigned, when it was).", body = LeadDto,
            headers(("Location" = String, description = "The new lead's URL."))),
        (status = 409, description = "`assignee_banned` or `lead_cap_reached`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, including an `assignee_id` that names nobody here.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_lead(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<CreateLeadRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Management, Action::Write)?;
    let mut checks = FieldChecks::default();
    let lead = parse_lead(&mut checks, "", body.0);
    checks.finish()?;
    let lead = lead.ok_or_else(|| ApiError::internal("a refused field recorded no error"))?;
    let state = state.get_ref();
    let lead = leads::create_lead(&state.store, state, actor.company_id, lead).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/leads/{}", lead.id)))
        .json(LeadDto::from(lead)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// At most 10,000.
    #[serde(deserialize_with = "crate::json::objects")]
    #[schema(max_items = 10_000)]
    pub leads: Vec<CreateLeadRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// How many were created.
    pub created: usize,
    /// Their ids, in the order given.
    pub ids: Vec<Uuid>,
}

/// Creates up to 10,000 leads at once, all or nothing.
#[utoipa::path(post, path = "/api/v1/leads/batch", operation_id = "createLeadBatch", tag = "leads", request_body = BatchRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "All created.", body = BatchResponse,
            headers(("Location" = String, description = "`/api/v1/leads`."))),
        (status = 409, description = "`assignee_banned` or `lead_cap_reached`: nothing was created.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (`leads` over 10,000, or `leads[i].field`): nothing was created.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_leads(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<BatchRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Management, Action::Write)?;
    let leads = body.0.leads;
    if leads.len() > MAX_BATCH {
        let message = format!("at most {MAX_BATCH} leads per batch");
        return Err(ApiError::invalid(
            Invalid::new("too_many", message).at("leads"),
        ));
    }
    let mut checks = FieldChecks::default();
    let parsed: Vec<Option<NewLead>> = leads
        .into_iter()
        .enumerate()
        .map(|(i, lead)| parse_lead(&mut checks, &format!("leads[{i}]."), lead))
        .collect();
    checks.finish()?;
    let parsed: Vec<NewLead> = parsed
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| ApiError::internal("a refused field recorded no error"))?;
    let state = state.get_ref();
    let ids = leads::create_leads(&state.store, state, actor.company_id, parsed).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, "/api/v1/leads"))
        .json(BatchResponse {
            created: ids.len(),
            ids,
        }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    /// `new`, `contacted`, `qualified`, `won` or `lost`.
    #[param(value_type = Option<crate::schema_rules::LeadStatus>)]
    pub status: Option<String>,
    pub assignee_id: Option<Uuid>,
    /// `true`: only leads nobody holds.
    pub unassigned: Option<bool>,
    /// Case-insensitive substring of name, phone, email or source.
    pub q: Option<String>,
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Lists leads, newest first.
#[utoipa::path(get, path = "/api/v1/leads", operation_id = "listLeads", tag = "leads", params(LeadQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of leads.", body = LeadPage)))]
pub async fn list_leads(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<LeadQuery>,
) -> Result<Json<LeadPage>, ApiError> {
    actor.require(Resource::Management, Action::Read)?;
    let query = query.into_inner();
    let request = page_request(query.page, query.per_page)?;
    let status = match query.status.as_deref() {
        Some(status) => Some(
            status
                .parse::<LeadStatus>()
                .map_err(|err| ApiError::BadRequest(format!("status: {err}")))?,
        ),
        None => None,
    };
    let filter = LeadFilter {
        status,
        assignee_id: query.assignee_id,
        unassigned: query.unassigned.unwrap_or(false),
        q: query.q,
    };
    let paged = state
        .store
        .list_leads(actor.company_id, &filter, request)
        .await?;
    Ok(Json(LeadPage::of(paged, request, LeadDto::from)))
}

/// One lead, with its version as the `ETag` (send it back as `If-Match` with a change, so
/// that the change applies only if nobody changed the lead meanwhile). The version changes
/// with every change of the lead's own fields, its assignment included (by hand, by
/// distribution or the top-up, or by its assignee's deletion); not with a rename of the
/// assignee.
#[utoipa::path(get, path = "/api/v1/leads/{id}", operation_id = "getLead", tag = "leads",
    params(("id" = Uuid, Path, description = "The lead's id.")),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The lead.", body = LeadDto,
        headers(("ETag" = String, description = "The lead's version, a strong tag: send it back as `If-Match`.")))))]
pub async fn get_lead(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Management, Action::Read)?;
    let lead = state
        .store
        .lead_view(actor.company_id, id.into_inner())
        .await?;
    Ok(lead_answer(lead))
}

/// A lead, with its `ETag`.
fn lead_answer(lead: LeadView) -> HttpResponse {
    conditional::answer(lead.version, LeadDto::from(lead))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeadRequest {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::schema_rules::PhoneOrBlank>)]
    pub phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::schema_rules::EmailOrBlank>)]
    pub email: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::schema_rules::NameOrBlank>)]
    pub source: Option<Option<String>>,
    /// Reopening a closed lead counts against its assignee's cap again.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::LeadStatus)]
    pub status: Option<String>,
    /// Assigns manually; `null` unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
}

/// Changes, assigns or unassigns a lead.
#[utoipa::path(patch, path = "/api/v1/leads/{id}", operation_id = "updateLead", tag = "leads", request_body = UpdateLeadRequest,
    params(("id" = Uuid, Path, description = "The lead's id."),
        ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated lead.", body = LeadDto,
            headers(("ETag" = String, description = "The lead's version, a strong tag: send it back as `If-Match`."))),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`assignee_banned` (checked first) or `lead_cap_reached`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_lead(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
    body: ApiJson<UpdateLeadRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Management, Action::Write)?;
    let precondition = conditional::precondition(&req)?;
    let body = body.0;
    let mut checks = FieldChecks::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| checks.check("name", Name::parse(n)))
        .map(Name::into_inner);
    let phone = checks.clearable("phone", body.phone, Phone::parse);
    let email = checks.clearable("email", body.email, Email::parse);
    let source = checks.clearable("source", body.source, |s| plain_text(s, MAX_SOURCE_CHARS));
    let status = body
        .status
        .as_deref()
        .and_then(|s| checks.check("status", s.parse::<LeadStatus>()));
    checks.finish()?;
    let id = id.into_inner();
    let patch = LeadPatch {
        name,
        phone,
        email,
        source,
        status,
        assignee_id: body.assignee_id,
    };
    let state = state.get_ref();
    let company_id = actor.company_id;
    leads::update_lead(&state.store, state, company_id, id, patch, &precondition).await?;
    Ok(lead_answer(state.store.lead_view(company_id, id).await?))
}

/// Deletes a lead.
#[utoipa::path(delete, path = "/api/v1/leads/{id}", operation_id = "deleteLead", tag = "leads",
    params(("id" = Uuid, Path, description = "The lead's id."),
        ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_lead(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Management, Action::Delete)?;
    let precondition = conditional::precondition(&req)?;
    leads::delete_lead(
        &state.store,
        actor.company_id,
        id.into_inner(),
        &precondition,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
