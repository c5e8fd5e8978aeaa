//! SCIM Groups (`role:*`): a company's roles, each with its users as members. Every user
//! holds exactly one role, so adding a member moves the user out of their role into this one
//! (with every rule of a role change, through the roles use cases), and no member is ever
//! removed: a user leaves a group by joining another.

use std::collections::HashSet;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Path};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use domain::queries::{PageRequest, RoleQueries, RoleView, UserFilter, UserQueries, UserView};
use domain::roles::{self, NewRole, RolePatch};
use domain::{Action, Name, PermissionSet, Resource};
use serde_json::{Value, json};
use uuid::Uuid;

use super::filter::{self, Filter, Literal, Operator};
use super::group_input::GroupChanges;
use super::projection::Projection;
use super::schemas::GROUP_SCHEMA;
use super::{
    ListQuery, ListResponse, ScimActor, ScimError, ScimType, json_body, location, no_content,
    resource_id, scim_ok, window,
};
use crate::actor::Actor;
use crate::conditional;
use crate::routes::Endpoint;
use crate::state::AppState;

/// The most members one group lists: a group of more is refused rather than cut short.
const MAX_MEMBERS: u64 = 10_000;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/Groups")
            .get(list_groups)
            .post(create_group)
            .finish_as::<ScimError>(),
        Endpoint::new("/Groups/{id}")
            .get(get_group)
            .put(replace_group)
            .patch(patch_group)
            .delete(delete_group)
            .finish_as::<ScimError>(),
    )
}

/// `GET /Groups?filter=displayName eq "..."`: the roles, without their members (a listing
/// of every role's users would be the whole company; `GET /Groups/{id}` has them).
async fn list_groups(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Role, Action::Read)?;
    let query = ListQuery::of(&req)?;
    let (start, page) = window(query.start_index, query.count);
    let roles = match query.filter.as_deref() {
        None => {
            let paged = state.store.list_roles(actor.company_id, page).await?;
            (paged.total, paged.items)
        }
        Some(text) => {
            let parsed =
                filter::parse(text).map_err(|e| ScimError::bad(ScimType::InvalidFilter, e.0))?;
            let named = match display_name(&parsed)? {
                Some(name) => state.store.role_named(actor.company_id, &name).await?,
                None => None,
            };
            let all: Vec<RoleView> = named.into_iter().collect();
            let total = all.len() as u64;
            let shown = all
                .into_iter()
                .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX));
            (
                total,
                shown
                    .take(usize::try_from(page.per_page).unwrap_or(0))
                    .collect(),
            )
        }
    };
    let projection = Projection::of(&req)?;
    let (total, roles) = roles;
    let resources = roles
        .iter()
        .map(|role| projection.applied(scim_group(&req, role, None)))
        .collect();
    Ok(scim_ok(&ListResponse::new(total, start, resources)))
}

async fn get_group(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Role, Action::Read)?;
    require_members_read(&actor)?;
    group_answer(&state, &actor, &req, resource_id(&id)?, HttpResponse::Ok()).await
}

/// Creates a role with no permissions (a provider names groups; what a role may do is set in
/// Calliyo), and moves its `members` into it, in one transaction.
async fn create_group(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Role, Action::Write)?;
    require_members_read(&actor)?;
    let changes = GroupChanges::from_resource(&json_body(&req, &body)?)?;
    let name = group_name(changes.name.as_deref())?;
    let members = user_ids(changes.added.iter().chain(changes.stated.iter().flatten()))?;
    require_members_write(&actor, &members)?;
    let role = NewRole {
        name,
        permissions: PermissionSet::empty(),
        members,
    };
    let id = roles::create_role(&state.store, &actor.acting(), role).await?;
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location(&req, &format!("/Groups/{id}"))));
    group_answer(&state, &actor, &req, id, created).await
}

/// Renames the group and moves into it the members it lists (`If-Match` honoured). A PUT
/// without `members` leaves them alone; one that leaves out a current member is refused.
async fn replace_group(
    state: web::Data<AppState>,
    actor: ScimActor,
    req: HttpRequest,
    id: Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let changes = GroupChanges::from_resource(&json_body(&req, &body)?)?;
    group_name(changes.name.as_deref())?;
    change_group(state, actor, req, &id, changes).await
}

/// Renames the group or adds members (`If-Match` honoured); removing a member is refused.
async fn patch_group(
    state: web::Data<AppState>,
    actor: ScimActor,
    req: HttpRequest,
    id: Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let changes = GroupChanges::from_patch(&json_body(&req, &body)?)?;
    change_group(state, actor, req, &id, changes).await
}

async fn change_group(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: &str,
    changes: GroupChanges,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Role, Action::Write)?;
    require_members_read(&actor)?;
    let id = resource_id(id)?;
    let precondition = conditional::precondition(&req)?;
    let role = state.store.role_view(actor.company_id, id).await?;
    // The name it has already is no change (so the system group takes a PUT of itself).
    let name = match changes.name.as_deref() {
        Some(name) => Some(group_name(Some(name))?).filter(|n| n.as_str() != role.name),
        None => None,
    };
    let mut members = user_ids(&changes.added)?;
    if let Some(stated) = &changes.stated {
        let stated: HashSet<Uuid> = user_ids(stated)?.into_iter().collect();
        let current: HashSet<Uuid> = member_list(&state, actor.company_id, id)
            .await?
            .iter()
            .map(|user| user.id)
            .collect();
        if !current.is_subset(&stated) {
            return Err(ScimError::bad(
                ScimType::Mutability,
                "The members listed leave out a current member, who cannot be removed: every \
                 user holds exactly one role, so a user leaves this group by joining another.",
            ));
        }
        members.extend(stated.difference(&current));
    }
    require_members_write(&actor, &members)?;
    if name.is_none() && members.is_empty() {
        // Nothing to change; the condition is still answered.
        precondition.check(role.version)?;
    } else {
        let patch = RolePatch {
            name,
            permissions: None,
            members,
            precondition,
        };
        roles::update_role(&state.store, &actor.acting(), id, patch).await?;
    }
    group_answer(&state, &actor, &req, id, HttpResponse::Ok()).await
}

/// Deletes a role nobody holds (409 otherwise; the system group: 400 `mutability`).
async fn delete_group(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Role, Action::Delete)?;
    let precondition = conditional::precondition(&req)?;
    roles::delete_role(
        &state.store,
        &actor.acting(),
        resource_id(&id)?,
        &precondition,
    )
    .await?;
    Ok(no_content())
}

/// A group's answer lists its members, who are users: `agent:read` as well.
fn require_members_read(actor: &Actor) -> Result<(), ScimError> {
    Ok(actor.require(Resource::Agent, Action::Read)?)
}

/// Moving users into a role changes those users: `agent:write` as well.
fn require_members_write(actor: &Actor, members: &[Uuid]) -> Result<(), ScimError> {
    if members.is_empty() {
        return Ok(());
    }
    Ok(actor.require(Resource::Agent, Action::Write)?)
}

fn group_name(name: Option<&str>) -> Result<Name, ScimError> {
    let name =
        name.ok_or_else(|| ScimError::bad(ScimType::InvalidValue, "displayName is required"))?;
    Name::parse(name).map_err(|invalid| {
        ScimError::bad(ScimType::InvalidValue, format!("displayName: {invalid}"))
    })
}

/// Members' ids as sent; one that is not an id names no user of this company.
fn user_ids<'a>(ids: impl IntoIterator<Item = &'a String>) -> Result<Vec<Uuid>, ScimError> {
    ids.into_iter()
        .map(|id| {
            Uuid::parse_str(id).map_err(|_| {
                ScimError::bad(
                    ScimType::InvalidValue,
                    format!("members: {id:?} names no user of this company"),
                )
            })
        })
        .collect()
}

/// The users holding the role, oldest first; a role of more than [`MAX_MEMBERS`] is refused
/// rather than cut short.
async fn member_list(
    state: &AppState,
    company_id: Uuid,
    role_id: Uuid,
) -> Result<Vec<UserView>, ScimError> {
    let filter = UserFilter {
        role_id: Some(role_id),
        sort: domain::queries::UserSort::CreatedAsc,
        ..UserFilter::default()
    };
    let members = state
        .store
        .list_users(company_id, &filter, PageRequest::window(0, MAX_MEMBERS))
        .await?;
    if members.total > MAX_MEMBERS {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            format!("the group has over {MAX_MEMBERS} members; list them with GET /Users"),
        ));
    }
    Ok(members.items)
}

/// The group with its members and its `ETag`, in SCIM's media type.
async fn group_answer(
    state: &AppState,
    actor: &Actor,
    req: &HttpRequest,
    id: Uuid,
    mut builder: HttpResponseBuilder,
) -> Result<HttpResponse, ScimError> {
    let role = state.store.role_view(actor.company_id, id).await?;
    let members: Vec<Value> = member_list(state, actor.company_id, id)
        .await?
        .iter()
        .map(|user| {
            json!({
                "value": user.id,
                "display": user.name,
                "type": "User",
                "$ref": location(req, &format!("/Users/{}", user.id)),
            })
        })
        .collect();
    Ok(builder
        .content_type(super::SCIM_JSON)
        .insert_header(conditional::etag(role.version))
        .json(Projection::of(req)?.applied(scim_group(req, &role, Some(members)))))
}

/// A role as a SCIM group; `members` only where they were read.
fn scim_group(req: &HttpRequest, role: &RoleView, members: Option<Vec<Value>>) -> Value {
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": role.id,
        "displayName": role.name,
        "meta": {
            "resourceType": "Group",
            "location": location(req, &format!("/Groups/{}", role.id)),
            "version": conditional::etag(role.version).to_string(),
        },
    });
    if let Some(members) = members {
        group["members"] = json!(members);
    }
    group
}

/// The one filter Groups answer: `displayName eq "..."`.
fn display_name(filter: &Filter) -> Result<Option<Name>, ScimError> {
    match filter {
        Filter::Compare {
            path,
            op: Operator::Eq,
            value: Literal::Text(name),
        } if path == "displayname" => Ok(Name::parse(name).ok()),
        _ => Err(ScimError::bad(
            ScimType::InvalidFilter,
            "Groups can be filtered by `displayName eq`.",
        )),
    }
}
