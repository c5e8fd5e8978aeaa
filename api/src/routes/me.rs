//! The signed-in user's own view.

use actix_web::HttpResponse;
use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Json, Path, Query};
use chrono::{DateTime, Utc};
use domain::auth;
use domain::queries::{SessionQueries, SessionView};
use domain::users::{self, OwnPasswordChange};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::actor::{Person, PersonWithView};
use crate::dto::{CompanyDto, UserDto};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{page, page_request};
use crate::routes::roles::PageQuery;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/me").get(me).finish(),
        Endpoint::new("/me/password").put(change_password).finish(),
        Endpoint::new("/me/mpin").put(change_mpin).finish(),
        Endpoint::new("/me/sessions").get(list_sessions).finish(),
        Endpoint::new("/me/sessions/{id}")
            .delete(end_session)
            .finish(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserDto,
    pub company: CompanyDto,
    /// Every `resource:action` the role grants, in catalogue order.
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Vec<String>,
    /// The resources the role can read, in sidebar order: the pages a client shows.
    pub menu: Vec<&'static str>,
}

/// Who am I, in which company, and what may I do.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "getMe", tag = "me", security(("bearer_auth" = [])),
    responses((status = 200, description = "The signed-in user.", body = MeResponse)))]
pub async fn me(me: PersonWithView) -> Json<MeResponse> {
    let permissions = me.person.permissions;
    Json(MeResponse {
        user: me.user.into(),
        company: me.company.into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        menu: permissions.menu().map(|r| r.as_str()).collect(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 8-128 characters (configurable minimum), not the email, not a common password.
    #[schema(value_type = crate::schema_rules::NewPassword)]
    pub new_password: String,
}

/// Changes your password; every other session of yours ends and every other registered
/// device is removed (its M-PIN sign-in stops working); this session and its device stay.
#[utoipa::path(put, path = "/api/v1/me/password", operation_id = "changeMyPassword", tag = "me", request_body = ChangePasswordRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Changed."),
        (status = 422, description = "`validation_failed` on `new_password` (too weak: checked first) or `current_password` (wrong: counted like a wrong sign-in).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`: five wrong current passwords in a row lock the account, as at sign-in (even the right one is refused until then).",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the lock ends."))),
    ))]
pub async fn change_password(
    state: web::Data<AppState>,
    actor: Person,
    body: ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let state = state.get_ref();
    let change = OwnPasswordChange {
        current: &body.current_password,
        new: &body.new_password,
        session_id: actor.session_id,
        policy: state.password_policy,
    };
    users::change_own_password(&state.store, state, state, &actor.acting(), change).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeMpinRequest {
    /// Your current password.
    pub password: String,
    /// 4 digits, not a weak PIN (all the same, a straight run, or a common one).
    #[schema(value_type = crate::schema_rules::Mpin)]
    pub mpin: String,
}

/// Sets your M-PIN (this also lifts an M-PIN lock).
#[utoipa::path(put, path = "/api/v1/me/mpin", operation_id = "changeMyMpin", tag = "me", request_body = ChangeMpinRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Set."),
        (status = 422, description = "`validation_failed` on `mpin` (malformed or weak: checked first) or `password` (wrong: counted like a wrong sign-in).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`: five wrong current passwords in a row lock the account, as at sign-in (even the right one is refused until then).",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the lock ends."))),
    ))]
pub async fn change_mpin(
    state: web::Data<AppState>,
    actor: Person,
    body: ApiJson<ChangeMpinRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let state = state.get_ref();
    let (password, mpin) = (&body.password, &body.mpin);
    users::change_own_mpin(&state.store, state, state, &actor.acting(), password, mpin).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// The access token's `sid`.
    pub id: Uuid,
    /// The registered device the session signed in on; null for a session without one.
    #[schema(required = true)]
    pub device_id: Option<Uuid>,
    /// The registered device's name, for sessions opened with one.
    #[schema(required = true)]
    pub device_name: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session this request is made with.
    pub current: bool,
}

page!(SessionPage of SessionDto, "One page of your sessions. A page past the end has no items.");

/// Your signed-in devices, newest first.
#[utoipa::path(get, path = "/api/v1/me/sessions", operation_id = "listMySessions", tag = "me", params(PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of sessions.", body = SessionPage)))]
pub async fn list_sessions(
    state: web::Data<AppState>,
    actor: Person,
    query: Query<PageQuery>,
) -> Result<Json<SessionPage>, ApiError> {
    let request = page_request(query.page, query.per_page)?;
    let paged = state
        .store
        .list_sessions(actor.company_id, actor.user_id, request)
        .await?;
    Ok(Json(SessionPage::of(
        paged,
        request,
        |session: SessionView| SessionDto {
            current: session.id == actor.session_id,
            id: session.id,
            device_id: session.device_id,
            device_name: session.device_name,
            user_agent: session.user_agent,
            ip: session.ip,
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
        },
    )))
}

/// Signs one of your devices out; its tokens stop working at once.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", operation_id = "endMySession", tag = "me",
    params(("id" = Uuid, Path, description = "The session's id.")),
    security(("bearer_auth" = [])),
    responses((status = 204, description = "Signed out.")))]
pub async fn end_session(
    state: web::Data<AppState>,
    actor: Person,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (company_id, user_id) = (actor.company_id, actor.user_id);
    auth::end_own_session(
        &state.store,
        state.get_ref(),
        company_id,
        user_id,
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
