//! SCIM Groups (`role:read`): a company's roles, each with its users as members (every user
//! holds exactly one role). Reading only, so far.

use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Path};
use actix_web::{HttpRequest, HttpResponse};
use domain::queries::{PageRequest, RoleQueries, RoleView, UserFilter, UserQueries};
use domain::{Action, Name, Resource};
use serde_json::{Value, json};

use super::filter::{self, Filter, Literal, Operator};
use super::schemas::GROUP_SCHEMA;
use super::{
    ListQuery, ListResponse, ScimActor, ScimError, ScimType, location, resource_id, scim_ok, window,
};
use crate::conditional;
use crate::routes::Endpoint;
use crate::state::AppState;

/// The most members one group lists: a group of more is refused rather than cut short.
const MAX_MEMBERS: u64 = 10_000;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/Groups").get(list_groups).finish(),
        Endpoint::new("/Groups/{id}").get(get_group).finish(),
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
    let (total, roles) = roles;
    let resources = roles
        .iter()
        .map(|role| scim_group(&req, role, None))
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
    actor.require(Resource::Agent, Action::Read)?;
    let role = state
        .store
        .role_view(actor.company_id, resource_id(&id)?)
        .await?;
    let filter = UserFilter {
        role_id: Some(role.id),
        sort: domain::queries::UserSort::CreatedAsc,
        ..UserFilter::default()
    };
    let members = state
        .store
        .list_users(
            actor.company_id,
            &filter,
            PageRequest::window(0, MAX_MEMBERS),
        )
        .await?;
    if members.total > MAX_MEMBERS {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            format!("the group has over {MAX_MEMBERS} members; list them with GET /Users"),
        ));
    }
    let members: Vec<Value> = members
        .items
        .iter()
        .map(|user| {
            json!({
                "value": user.id,
                "display": user.name,
                "type": "User",
                "$ref": location(&req, &format!("/Users/{}", user.id)),
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(super::SCIM_JSON)
        .insert_header(conditional::etag(role.version))
        .json(scim_group(&req, &role, Some(members))))
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
