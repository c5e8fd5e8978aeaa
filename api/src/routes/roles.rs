//! Roles (`role:*`): named bundles of permissions.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use domain::queries::{RoleQueries, RoleView};
use domain::roles::{self, NewRole, RolePatch};
use domain::{Action, Invalid, Name, Permission, PermissionSet, Resource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::conditional::{self, IF_MATCH_DOC};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{page, page_request};
use crate::state::AppState;
use crate::validation::FieldChecks;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/roles")
            .get(list_roles)
            .post(create_role)
            .finish(),
        Endpoint::new("/roles/{id}")
            .get(get_role)
            .patch(update_role)
            .delete(delete_role)
            .finish(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    pub id: Uuid,
    pub name: String,
    /// The Company Admin role: every permission, cannot be edited or deleted.
    pub system: bool,
    /// `resource:action` strings in catalogue order.
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Vec<String>,
    pub users_count: i64,
}

page!(RolePage of RoleDto, "One page of roles. A page past the end has no items.");

impl From<RoleView> for RoleDto {
    fn from(role: RoleView) -> Self {
        Self {
            id: role.id,
            name: role.name,
            system: role.system,
            permissions: role.permissions.iter().map(|p| p.to_string()).collect(),
            users_count: role.users_count,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Lists the company's roles, the system role first, then by name.
#[utoipa::path(get, path = "/api/v1/roles", operation_id = "listRoles", tag = "roles", params(PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of roles.", body = RolePage)))]
pub async fn list_roles(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> Result<Json<RolePage>, ApiError> {
    actor.require(Resource::Role, Action::Read)?;
    let request = page_request(query.page, query.per_page)?;
    let paged = state.store.list_roles(actor.company_id, request).await?;
    Ok(Json(RolePage::of(paged, request, RoleDto::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    /// Unique within the company, case-insensitively.
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
    /// `resource:action` strings from `GET /api/v1/permissions`.
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleRequest {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: Option<String>,
    /// Replaces the whole set.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Option<Vec<String>>,
}

/// Parses permission strings, reporting each unknown one at `permissions[i]`.
fn parse_permissions(checks: &mut FieldChecks, raw: &[String]) -> PermissionSet {
    raw.iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let parsed = text.parse::<Permission>().map_err(|_| {
                Invalid::new(
                    "unknown_permission",
                    format!("{text:?} is not in the catalogue"),
                )
            });
            checks.check(&format!("permissions[{i}]"), parsed)
        })
        .collect()
}

/// A name and a set of permissions, as a role or an API key is created with: each refused
/// field reported at once (`name`, `permissions[i]`).
pub(crate) fn parse_named_permissions(
    name: &str,
    permissions: &[String],
) -> Result<(Name, PermissionSet), ApiError> {
    let mut checks = FieldChecks::default();
    let name = checks.check("name", Name::parse(name));
    let permissions = parse_permissions(&mut checks, permissions);
    checks.finish()?;
    let name = name.ok_or_else(|| ApiError::internal("a refused field recorded no error"))?;
    Ok((name, permissions))
}

/// Creates a role. Its permissions must be within the caller's own.
#[utoipa::path(post, path = "/api/v1/roles", operation_id = "createRole", tag = "roles", request_body = CreateRoleRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created.", body = RoleDto,
            headers(("Location" = String, description = "The new role's URL."))),
        (status = 409, description = "`name_taken`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a blank name or an unknown permission.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_role(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<CreateRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Role, Action::Write)?;
    let (name, permissions) = parse_named_permissions(&body.0.name, &body.0.permissions)?;
    let role = NewRole {
        name,
        permissions,
        members: Vec::new(),
    };
    let id = roles::create_role(&state.store, &actor.acting(), role).await?;
    let role = state.store.role_view(actor.company_id, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/roles/{id}")))
        .json(RoleDto::from(role)))
}

/// One role, with its version as the `ETag` (send it back as `If-Match` with a change, so
/// that the change applies only if nobody changed the role meanwhile). The version changes
/// with every change of the role's name or permissions, not with `users_count`.
#[utoipa::path(get, path = "/api/v1/roles/{id}", operation_id = "getRole", tag = "roles",
    params(("id" = Uuid, Path, description = "The role's id.")),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The role.", body = RoleDto,
        headers(("ETag" = String, description = "The role's version, a strong tag: send it back as `If-Match`.")))))]
pub async fn get_role(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Role, Action::Read)?;
    let role = state
        .store
        .role_view(actor.company_id, id.into_inner())
        .await?;
    Ok(role_answer(role))
}

/// A role, with its `ETag`.
fn role_answer(role: RoleView) -> HttpResponse {
    conditional::answer(role.version, RoleDto::from(role))
}

/// Renames a role or replaces its permissions; its users get the new permissions on their
/// next request.
#[utoipa::path(patch, path = "/api/v1/roles/{id}", operation_id = "updateRole", tag = "roles", request_body = UpdateRoleRequest,
    params(("id" = Uuid, Path, description = "The role's id."),
        ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated role.", body = RoleDto,
            headers(("ETag" = String, description = "The role's version, a strong tag: send it back as `If-Match`."))),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`name_taken` or `system_role`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_role(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
    body: ApiJson<UpdateRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Role, Action::Write)?;
    let precondition = conditional::precondition(&req)?;
    let mut checks = FieldChecks::default();
    let name = body
        .0
        .name
        .as_deref()
        .and_then(|n| checks.check("name", Name::parse(n)));
    let permissions = body
        .0
        .permissions
        .as_deref()
        .map(|raw| parse_permissions(&mut checks, raw));
    checks.finish()?;
    let id = id.into_inner();
    let patch = RolePatch {
        name,
        permissions,
        members: Vec::new(),
        precondition,
    };
    roles::update_role(&state.store, &actor.acting(), id, patch).await?;
    Ok(role_answer(
        state.store.role_view(actor.company_id, id).await?,
    ))
}

/// Deletes a role nobody holds.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", operation_id = "deleteRole", tag = "roles",
    params(("id" = Uuid, Path, description = "The role's id."),
        ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`in_use` or `system_role`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_role(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Role, Action::Delete)?;
    let precondition = conditional::precondition(&req)?;
    roles::delete_role(
        &state.store,
        &actor.acting(),
        id.into_inner(),
        &precondition,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
