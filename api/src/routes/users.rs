//! Users of the company (`agent:*`).

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use domain::queries::{UserFilter, UserQueries, UserSort, UserView};
use domain::users::{self, NewUser, UserDetails, UserPatch};
use domain::{Action, Email, EmployeeCode, LeadCap, Mpin, Name, Password, Phone, Resource};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::conditional;
use crate::dto::UserDto;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{nullable, page, page_request};
use crate::state::AppState;
use crate::validation::FieldChecks;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/users")
            .get(list_users)
            .post(create_user)
            .finish(),
        Endpoint::new("/users/{id}")
            .get(get_user)
            .patch(update_user)
            .delete(delete_user)
            .finish(),
    )
}

/// How a user listing is sorted (its schema: [`crate::schema_rules::UserSort`]).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub enum SortParam {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Case-insensitive substring of the name, email, phone or employee code (`%` and `_`
    /// match themselves).
    pub q: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Option<Uuid>,
    pub banned: Option<bool>,
    /// `name` (default), `-name`, `created_at` or `-created_at`.
    #[param(value_type = Option<crate::schema_rules::UserSort>)]
    pub sort: Option<SortParam>,
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

page!(UserPage of UserDto, "One page of users. A page past the end has no items.");

/// Lists the company's users.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "listUsers", tag = "users", params(UserQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of users.", body = UserPage)))]
pub async fn list_users(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<UserQuery>,
) -> Result<Json<UserPage>, ApiError> {
    actor.require(Resource::Agent, Action::Read)?;
    let query = query.into_inner();
    let request = page_request(query.page, query.per_page)?;
    let filter = UserFilter {
        q: query.q,
        email: None,
        external_id: None,
        department_id: query.department_id,
        branch_id: query.branch_id,
        role_id: query.role_id,
        banned: query.banned,
        sort: match query.sort.unwrap_or_default() {
            SortParam::Name => UserSort::NameAsc,
            SortParam::NameDesc => UserSort::NameDesc,
            SortParam::CreatedAt => UserSort::CreatedAsc,
            SortParam::CreatedAtDesc => UserSort::CreatedDesc,
        },
    };
    let paged = state
        .store
        .list_users(actor.company_id, &filter, request)
        .await?;
    Ok(Json(UserPage::of(paged, request, UserDto::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
    /// Unique within the company, case-insensitively.
    #[schema(value_type = crate::schema_rules::Email)]
    pub email: String,
    #[schema(value_type = Option<crate::schema_rules::EmployeeCodeOrBlank>)]
    pub employee_code: Option<String>,
    /// E.164, e.g. `+919812345678`.
    #[schema(value_type = Option<crate::schema_rules::PhoneOrBlank>)]
    pub phone: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    /// 8-128 characters (configurable minimum), not the email, not a common password.
    #[schema(value_type = crate::schema_rules::NewPassword)]
    pub password: String,
    /// 4 digits, not a weak PIN.
    #[schema(value_type = Option<crate::schema_rules::MpinOrBlank>)]
    pub mpin: Option<String>,
    /// Open leads the user may hold (default 0).
    #[serde(default, deserialize_with = "crate::json::optional_whole")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100_000)]
    pub lead_cap: Option<i64>,
}

/// Creates a user, taking one seat of the subscription.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "createUser", tag = "users", request_body = CreateUserRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created.", body = UserDto,
            headers(("Location" = String, description = "The new user's URL."))),
        (status = 403, description = "`forbidden`: lacks `agent:write`, or the role grants more than the caller holds.",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`, `employee_code_taken` or `agent_limit_reached`.",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, including ids that name nothing in this company.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_user(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Agent, Action::Write)?;
    let body = body.0;
    let mut checks = FieldChecks::default();
    let name = checks.check("name", Name::parse(&body.name));
    let email = checks.check("email", Email::parse(&body.email));
    let employee_code = optional(
        &mut checks,
        "employee_code",
        body.employee_code.as_deref(),
        EmployeeCode::parse,
    );
    let phone = optional(&mut checks, "phone", body.phone.as_deref(), Phone::parse);
    let password = checks.check(
        "password",
        Password::parse(&body.password, email.as_ref(), state.password_policy),
    );
    let mpin = optional(&mut checks, "mpin", body.mpin.as_deref(), Mpin::parse);
    let lead_cap = checks.check("lead_cap", LeadCap::parse(body.lead_cap.unwrap_or(0)));
    checks.finish()?;
    let (Some(name), Some(email), Some(password), Some(lead_cap)) =
        (name, email, password, lead_cap)
    else {
        return Err(ApiError::internal("a refused field recorded no error"));
    };
    let new = NewUser {
        details: UserDetails {
            name,
            email,
            employee_code,
            phone,
            department_id: body.department_id,
            branch_id: body.branch_id,
            role_id: body.role_id,
            lead_cap,
            external_id: None,
            banned: false,
        },
        password: Some(password),
        mpin,
    };
    let state = state.get_ref();
    let id = users::create_user(&state.store, state, &actor.acting(), new).await?;
    let user = state.store.user_view(actor.company_id, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{id}")))
        .json(UserDto::from(user)))
}

/// Parses an optional text field; `None` and blank both mean "not given".
fn optional<T>(
    checks: &mut FieldChecks,
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, domain::Invalid>,
) -> Option<T> {
    let raw = raw.filter(|r| !r.trim().is_empty())?;
    checks.check(field, parse(raw))
}

/// One user, with its version as the `ETag` (send it back as `If-Match` with a change, so
/// that the change applies only if nobody changed the user meanwhile). The version changes
/// with every change of the user's own fields, not with `leads_held`, nor with a rename of
/// the role, department or branch the user names.
#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "getUser", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id.")),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The user.", body = UserDto,
        headers(("ETag" = String, description = "The user's version, a strong tag: send it back as `If-Match`.")))))]
pub async fn get_user(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Agent, Action::Read)?;
    let user = state
        .store
        .user_view(actor.company_id, id.into_inner())
        .await?;
    Ok(user_answer(user))
}

/// A user, with its `ETag`.
fn user_answer(user: UserView) -> HttpResponse {
    conditional::answer(user.version, UserDto::from(user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: Option<String>,
    /// Applies at once: the old address stops working for sign-in.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::Email)]
    pub email: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::schema_rules::EmployeeCodeOrBlank>)]
    pub employee_code: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::schema_rules::PhoneOrBlank>)]
    pub phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub department_id: Option<Option<Uuid>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub branch_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Uuid)]
    pub role_id: Option<Uuid>,
    /// An admin reset: signs the user out everywhere and removes their registered devices
    /// (M-PIN sign-in included). Not of yourself (409 `self_action`): your own password
    /// changes through `PUT /api/v1/me/password`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::NewPassword)]
    pub password: Option<String>,
    /// An admin reset: signs the user out everywhere; their devices stay registered. Not of
    /// yourself (409 `self_action`): your own M-PIN changes through `PUT /api/v1/me/mpin`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::Mpin)]
    pub mpin: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present_whole")]
    #[schema(value_type = i32, minimum = 0, maximum = 100_000)]
    pub lead_cap: Option<i64>,
    /// `true` bans (no sign-in, sessions end, leads and seat kept); `false` unbans (the
    /// sessions that ended stay ended: the user signs in again).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = bool)]
    pub banned: Option<bool>,
}

/// Changes any subset of a user's fields, bans or unbans.
#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "updateUser", tag = "users", request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "The user's id."),
        ("If-Match" = Option<String>, Header, description = conditional::IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated user.", body = UserDto,
            headers(("ETag" = String, description = "The user's version, a strong tag: send it back as `If-Match`."))),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`, `employee_code_taken`, `last_admin` or `self_action`.",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_user(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Agent, Action::Write)?;
    let precondition = conditional::precondition(&req)?;
    let id = id.into_inner();
    let body = body.0;
    let mut checks = FieldChecks::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| checks.check("name", Name::parse(n)));
    let email = body
        .email
        .as_deref()
        .and_then(|e| checks.check("email", Email::parse(e)));
    let employee_code = checks.clearable("employee_code", body.employee_code, EmployeeCode::parse);
    let phone = checks.clearable("phone", body.phone, Phone::parse);
    let lead_cap = body
        .lead_cap
        .and_then(|cap| checks.check("lead_cap", LeadCap::parse(cap)));
    let mpin = body
        .mpin
        .as_deref()
        .and_then(|pin| checks.check("mpin", Mpin::parse(pin)));
    let password = match body.password.as_deref() {
        Some(raw) => {
            // The email the password must differ from: the new one, or the current one.
            let email = match &email {
                Some(email) => Some(email.clone()),
                None => {
                    Email::parse(&state.store.user_view(actor.company_id, id).await?.email).ok()
                }
            };
            checks.check(
                "password",
                Password::parse(raw, email.as_ref(), state.password_policy),
            )
        }
        None => None,
    };
    checks.finish()?;
    let patch = UserPatch {
        name,
        email,
        employee_code,
        phone,
        department_id: body.department_id,
        branch_id: body.branch_id,
        role_id: body.role_id,
        password,
        mpin,
        lead_cap,
        external_id: None,
        banned: body.banned,
        keep_an_admin: false,
        precondition,
    };
    let state = state.get_ref();
    users::update_user(&state.store, state, &actor.acting(), id, patch).await?;
    Ok(user_answer(
        state.store.user_view(actor.company_id, id).await?,
    ))
}

/// Deletes a user: frees the seat and ends their sessions.
#[utoipa::path(delete, path = "/api/v1/users/{id}", operation_id = "deleteUser", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id."),
        ("If-Match" = Option<String>, Header, description = conditional::IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_admin` or `self_action`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_user(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Agent, Action::Delete)?;
    let precondition = conditional::precondition(&req)?;
    users::delete_user(
        &state.store,
        &actor.acting(),
        id.into_inner(),
        &precondition,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
