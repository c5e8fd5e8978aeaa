//! Departments (`department:*`) and branches (`branch:*`): the same shape, so one macro
//! writes both sets of handlers over the shared functions below.

use actix_web::http::header;
use actix_web::web::Json;
use actix_web::{HttpRequest, HttpResponse};
use domain::groups;
use domain::ports::GroupKind;
use domain::queries::{GroupQueries, GroupView};
use domain::{Action, Name, Resource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::Actor;
use crate::conditional;
use crate::error::ApiError;
use crate::paging::{page, page_request};
use crate::routes::roles::PageQuery;
use crate::state::AppState;
use crate::validation::FieldChecks;

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDto {
    pub id: Uuid,
    pub name: String,
    /// Users who belong to it.
    pub users_count: i64,
}

page!(GroupPage of GroupDto, "One page of departments or branches. A page past the end has no items.");

impl From<GroupView> for GroupDto {
    fn from(group: GroupView) -> Self {
        Self {
            id: group.id,
            name: group.name,
            users_count: group.users_count,
        }
    }
}

/// A department's or branch's name: unique within the company, case-insensitively.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
}

fn parse_name(body: &GroupRequest) -> Result<Name, ApiError> {
    let mut checks = FieldChecks::default();
    let name = checks.check("name", Name::parse(&body.name));
    checks.finish()?;
    name.ok_or_else(|| ApiError::internal("a refused field recorded no error"))
}

async fn list(
    state: &AppState,
    actor: &Actor,
    kind: GroupKind,
    resource: Resource,
    query: &PageQuery,
) -> Result<Json<GroupPage>, ApiError> {
    actor.require(resource, Action::Read)?;
    let request = page_request(query.page, query.per_page)?;
    let paged = state
        .store
        .list_groups(actor.company_id, kind, request)
        .await?;
    Ok(Json(GroupPage::of(paged, request, GroupDto::from)))
}

async fn create(
    state: &AppState,
    actor: &Actor,
    kind: GroupKind,
    resource: Resource,
    base: &str,
    body: &GroupRequest,
) -> Result<HttpResponse, ApiError> {
    actor.require(resource, Action::Write)?;
    let name = parse_name(body)?;
    let id = groups::create_group(&state.store, &actor.acting(), kind, name).await?;
    let group = state.store.group_view(actor.company_id, kind, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{base}/{id}")))
        .json(GroupDto::from(group)))
}

async fn get(
    state: &AppState,
    actor: &Actor,
    kind: GroupKind,
    resource: Resource,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    actor.require(resource, Action::Read)?;
    let group = state.store.group_view(actor.company_id, kind, id).await?;
    Ok(group_answer(group))
}

/// A department or branch, with its `ETag`.
fn group_answer(group: GroupView) -> HttpResponse {
    conditional::answer(group.version, GroupDto::from(group))
}

async fn rename(
    state: &AppState,
    actor: &Actor,
    req: &HttpRequest,
    kind: GroupKind,
    resource: Resource,
    id: Uuid,
    body: &GroupRequest,
) -> Result<HttpResponse, ApiError> {
    actor.require(resource, Action::Write)?;
    let precondition = conditional::precondition(req)?;
    let name = parse_name(body)?;
    groups::rename_group(&state.store, &actor.acting(), kind, id, name, &precondition).await?;
    let group = state.store.group_view(actor.company_id, kind, id).await?;
    Ok(group_answer(group))
}

async fn delete(
    state: &AppState,
    actor: &Actor,
    req: &HttpRequest,
    kind: GroupKind,
    resource: Resource,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    actor.require(resource, Action::Delete)?;
    let precondition = conditional::precondition(req)?;
    groups::delete_group(&state.store, &actor.acting(), kind, id, &precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Writes the five annotated handlers of one kind of group and its `resources()`. The
/// operation ids are given, not derived from the handlers' names, which both kinds share:
/// generated clients turn them into function names, so each is unique in the document.
macro_rules! group_routes {
    (
        $module:ident, $kind:expr, $resource:expr, $tag:literal, $list_path:literal, $item_path:literal, $scope:literal,
        operation_ids($list_id:literal, $create_id:literal, $get_id:literal, $rename_id:literal, $delete_id:literal)
    ) => {
        pub mod $module {
            use actix_web::dev::HttpServiceFactory;
            use actix_web::web::{self, Json, Path, Query};
            use actix_web::{HttpRequest, HttpResponse};
            use domain::Resource;
            use domain::ports::GroupKind;
            use uuid::Uuid;

            use super::{GroupDto, GroupPage, GroupRequest};
            use crate::actor::Actor;
            use crate::conditional::IF_MATCH_DOC;
            use crate::error::ApiError;
            use crate::json::ApiJson;
            use crate::routes::roles::PageQuery;
            use crate::routes::Endpoint;
            use crate::state::AppState;

            const KIND: GroupKind = $kind;
            const RESOURCE: Resource = $resource;

            pub fn resources() -> impl HttpServiceFactory {
                (
                    Endpoint::new($scope).get(list).post(create).finish(),
                    Endpoint::new(concat!($scope, "/{id}")).get(get).patch(rename).delete(delete).finish(),
                )
            }

            /// Lists them by name, each with its number of users.
            #[utoipa::path(get, path = $list_path, operation_id = $list_id, tag = $tag, params(PageQuery),
                security(("bearer_auth" = [])),
                responses((status = 200, description = "A page.", body = GroupPage)))]
            pub async fn list(state: web::Data<AppState>, actor: Actor, query: Query<PageQuery>) -> Result<Json<GroupPage>, ApiError> {
                super::list(&state, &actor, KIND, RESOURCE, &query).await
            }

            /// Creates one.
            #[utoipa::path(post, path = $list_path, operation_id = $create_id, tag = $tag, request_body = GroupRequest,
                security(("bearer_auth" = [])),
                responses(
                    (status = 201, description = "Created.", body = GroupDto,
                        headers(("Location" = String, description = "The new record's URL."))),
                    (status = 409, description = "`name_taken`.", body = crate::error::Problem, content_type = "application/problem+json"),
                    (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
                ))]
            pub async fn create(state: web::Data<AppState>, actor: Actor, body: ApiJson<GroupRequest>) -> Result<HttpResponse, ApiError> {
                super::create(&state, &actor, KIND, RESOURCE, $list_path, &body.0).await
            }

            /// One of them, with its version as the `ETag` (send it back as `If-Match` with a
            /// change, so that the change applies only if nobody changed the record
            /// meanwhile). The version changes with every rename, not with `users_count`.
            #[utoipa::path(get, path = $item_path, operation_id = $get_id, tag = $tag,
                params(("id" = Uuid, Path, description = "The record's id.")),
                security(("bearer_auth" = [])),
                responses((status = 200, description = "The record.", body = GroupDto,
                    headers(("ETag" = String, description = "The record's version, a strong tag: send it back as `If-Match`.")))))]
            pub async fn get(state: web::Data<AppState>, actor: Actor, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
                super::get(&state, &actor, KIND, RESOURCE, id.into_inner()).await
            }

            /// Renames one.
            #[utoipa::path(patch, path = $item_path, operation_id = $rename_id, tag = $tag, request_body = GroupRequest,
                params(("id" = Uuid, Path, description = "The record's id."),
                    ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
                security(("bearer_auth" = [])),
                responses(
                    (status = 200, description = "The renamed record.", body = GroupDto,
                        headers(("ETag" = String, description = "The record's version, a strong tag: send it back as `If-Match`."))),
                    (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
                    (status = 409, description = "`name_taken`.", body = crate::error::Problem, content_type = "application/problem+json"),
                    (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
                ))]
            pub async fn rename(state: web::Data<AppState>, actor: Actor, req: HttpRequest, id: Path<Uuid>, body: ApiJson<GroupRequest>) -> Result<HttpResponse, ApiError> {
                super::rename(&state, &actor, &req, KIND, RESOURCE, id.into_inner(), &body.0).await
            }

            /// Deletes one nobody belongs to.
            #[utoipa::path(delete, path = $item_path, operation_id = $delete_id, tag = $tag,
                params(("id" = Uuid, Path, description = "The record's id."),
                    ("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
                security(("bearer_auth" = [])),
                responses(
                    (status = 204, description = "Deleted."),
                    (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
                    (status = 409, description = "`in_use`.", body = crate::error::Problem, content_type = "application/problem+json"),
                ))]
            pub async fn delete(state: web::Data<AppState>, actor: Actor, req: HttpRequest, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
                super::delete(&state, &actor, &req, KIND, RESOURCE, id.into_inner()).await
            }
        }
    };
}

group_routes!(
    departments,
    GroupKind::Department,
    Resource::Department,
    "departments",
    "/api/v1/departments",
    "/api/v1/departments/{id}",
    "/departments",
    operation_ids(
        "listDepartments",
        "createDepartment",
        "getDepartment",
        "renameDepartment",
        "deleteDepartment"
    )
);
group_routes!(
    branches,
    GroupKind::Branch,
    Resource::Branch,
    "branches",
    "/api/v1/branches",
    "/api/v1/branches/{id}",
    "/branches",
    operation_ids(
        "listBranches",
        "createBranch",
        "getBranch",
        "renameBranch",
        "deleteBranch"
    )
);
