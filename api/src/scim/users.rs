//! SCIM Users (`agent:*`): a user as RFC 7643 describes one, with the enterprise extension
//! (employee number, department) and Calliyo's own (lead cap, branch, role).

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Path};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use domain::queries::{UserFilter, UserQueries, UserView};
use domain::{Action, Email, Resource, users};
use serde_json::{Value, json};

use super::filter::{self, Filter, Literal, Operator};
use super::projection::Projection;
use super::resolve;
use super::schemas::{CALLIYO_SCHEMA, ENTERPRISE_SCHEMA, USER_SCHEMA};
use super::user_input::UserChanges;
use super::{
    ListQuery, ListResponse, ScimActor, ScimError, ScimType, json_body, location, no_content,
    resource_id, scim_ok, window,
};
use crate::conditional;
use crate::routes::Endpoint;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/Users")
            .get(list_users)
            .post(create_user)
            .finish_as::<ScimError>(),
        Endpoint::new("/Users/{id}")
            .get(get_user)
            .put(replace_user)
            .patch(patch_user)
            .delete(delete_user)
            .finish_as::<ScimError>(),
    )
}

/// The user as SCIM shows it.
pub fn scim_user(req: &HttpRequest, user: &UserView) -> Value {
    let mut enterprise = json!({});
    if let Some(code) = &user.employee_code {
        enterprise["employeeNumber"] = json!(code);
    }
    if let Some(department) = &user.department {
        enterprise["department"] = json!(department.name);
    }
    let mut calliyo = json!({"leadCap": user.lead_cap, "role": user.role.name});
    if let Some(branch) = &user.branch {
        calliyo["branch"] = json!(branch.name);
    }
    // An extension with nothing assigned is left out, and so is its URN (RFC 7643 §3:
    // `schemas` names the schemas of the attributes present).
    let has_enterprise = enterprise.as_object().is_some_and(|e| !e.is_empty());
    let schemas = if has_enterprise {
        vec![USER_SCHEMA, ENTERPRISE_SCHEMA, CALLIYO_SCHEMA]
    } else {
        vec![USER_SCHEMA, CALLIYO_SCHEMA]
    };
    let mut resource = json!({
        "schemas": schemas,
        "id": user.id,
        "userName": user.email,
        "displayName": user.name,
        "name": {"formatted": user.name},
        "emails": [{"value": user.email, "type": "work", "primary": true}],
        "active": !user.banned,
        "groups": [{"value": user.role.id, "display": user.role.name, "type": "direct"}],
        CALLIYO_SCHEMA: calliyo,
        "meta": {
            "resourceType": "User",
            "created": user.created_at,
            "lastModified": user.updated_at,
            "location": location(req, &format!("/Users/{}", user.id)),
            "version": conditional::etag(user.version).to_string(),
        },
    });
    if has_enterprise {
        resource[ENTERPRISE_SCHEMA] = enterprise;
    }
    if let Some(external_id) = &user.external_id {
        resource["externalId"] = json!(external_id);
    }
    if let Some(phone) = &user.phone {
        resource["phoneNumbers"] = json!([{"value": phone, "type": "work", "primary": true}]);
    }
    resource
}

/// `GET /Users?filter=&startIndex=&count=`, oldest first (a stable order for paging).
async fn list_users(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Agent, Action::Read)?;
    let query = ListQuery::of(&req)?;
    let matching = match query.filter.as_deref() {
        Some(text) => user_match(
            &filter::parse(text).map_err(|e| ScimError::bad(ScimType::InvalidFilter, e.0))?,
        )?,
        None => UserMatch::default(),
    };
    let (start, page) = window(query.start_index, query.count);
    if matching.contradictory {
        return Ok(scim_ok(&ListResponse::<Value>::new(0, start, Vec::new())));
    }
    let filter = UserFilter {
        email: matching.email,
        external_id: matching.external_id,
        banned: matching.active.map(|active| !active),
        sort: domain::queries::UserSort::CreatedAsc,
        ..UserFilter::default()
    };
    let paged = state
        .store
        .list_users(actor.company_id, &filter, page)
        .await?;
    let projection = Projection::of(&req)?;
    let resources = paged
        .items
        .iter()
        .map(|u| projection.applied(scim_user(&req, u)))
        .collect();
    Ok(scim_ok(&ListResponse::new(paged.total, start, resources)))
}

async fn get_user(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Agent, Action::Read)?;
    let user = state
        .store
        .user_view(actor.company_id, resource_id(&id)?)
        .await?;
    user_answer(HttpResponse::Ok(), &req, &user)
}

/// A user with its `ETag`, in SCIM's media type, with the attributes the request asks for.
fn user_answer(
    mut builder: HttpResponseBuilder,
    req: &HttpRequest,
    user: &UserView,
) -> Result<HttpResponse, ScimError> {
    let projection = Projection::of(req)?;
    Ok(builder
        .content_type(super::SCIM_JSON)
        .insert_header(conditional::etag(user.version))
        .json(projection.applied(scim_user(req, user))))
}

/// Creates a user with every rule of `POST /api/v1/users` (a seat, a role within the key's
/// permissions); without a password the user cannot sign in by password until one is set.
/// A user created `active: false` is banned from the start.
async fn create_user(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Agent, Action::Write)?;
    let changes = UserChanges::from_resource(&json_body(&req, &body)?, false)?;
    let new = resolve::new_user(&state, actor.company_id, changes).await?;
    let state = state.get_ref();
    let id = users::create_user(&state.store, state, &actor.acting(), new).await?;
    let user = state.store.user_view(actor.company_id, id).await?;
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location(&req, &format!("/Users/{id}"))));
    user_answer(created, &req, &user)
}

/// Replaces a user's attributes (`If-Match` honoured): those of the core and enterprise
/// schemas it leaves out are cleared; Calliyo's extension, when absent, is left alone.
async fn replace_user(
    state: web::Data<AppState>,
    actor: ScimActor,
    req: HttpRequest,
    id: Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let changes = UserChanges::from_resource(&json_body(&req, &body)?, true)?;
    if changes.email.is_none() {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            "userName is required",
        ));
    }
    change_user(state, actor, req, &id, changes).await
}

/// Changes a user by a PatchOp (`If-Match` honoured): `active: false` bans with every rule of
/// a ban (never the last Company Admin), `true` lifts it.
async fn patch_user(
    state: web::Data<AppState>,
    actor: ScimActor,
    req: HttpRequest,
    id: Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let changes = UserChanges::from_patch(&json_body(&req, &body)?)?;
    change_user(state, actor, req, &id, changes).await
}

async fn change_user(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: &str,
    changes: UserChanges,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Agent, Action::Write)?;
    let id = resource_id(id)?;
    let precondition = conditional::precondition(&req)?;
    let patch = resolve::user_patch(&state, actor.company_id, changes, precondition).await?;
    let state = state.get_ref();
    users::update_user(&state.store, state, &actor.acting(), id, patch).await?;
    let user = state.store.user_view(actor.company_id, id).await?;
    user_answer(HttpResponse::Ok(), &req, &user)
}

/// Removes the user and frees their seat, with every rule of `DELETE /api/v1/users/{id}`
/// (not the last Company Admin; `If-Match` honoured).
async fn delete_user(
    state: web::Data<AppState>,
    ScimActor(actor): ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor.require(Resource::Agent, Action::Delete)?;
    let precondition = conditional::precondition(&req)?;
    users::delete_user(
        &state.store,
        &actor.acting(),
        resource_id(&id)?,
        &precondition,
    )
    .await?;
    Ok(no_content())
}

/// What a Users filter can ask: `eq` on `userName` (or `emails.value`, the same email here),
/// `externalId` (exact, as kept) and `active`, joined by `and`.
#[derive(Debug, Default, PartialEq, Eq)]
struct UserMatch {
    email: Option<String>,
    external_id: Option<String>,
    active: Option<bool>,
    /// Two conditions on one attribute that cannot both hold: no user matches.
    contradictory: bool,
}

fn user_match(filter: &Filter) -> Result<UserMatch, ScimError> {
    let unsupported = || {
        ScimError::bad(
            ScimType::InvalidFilter,
            "Users can be filtered by `eq` on userName, emails.value, externalId and active, joined by `and`.",
        )
    };
    match filter {
        Filter::And(left, right) => {
            let (left, right) = (user_match(left)?, user_match(right)?);
            let mut contradictory = left.contradictory || right.contradictory;
            let email = both(left.email, right.email, &mut contradictory);
            let external_id = both(left.external_id, right.external_id, &mut contradictory);
            let active = both(left.active, right.active, &mut contradictory);
            Ok(UserMatch {
                email,
                external_id,
                active,
                contradictory,
            })
        }
        Filter::Compare {
            path,
            op: Operator::Eq,
            value,
        } => match (core_attribute(path), value) {
            ("username" | "emails.value" | "emails", Literal::Text(email)) => {
                Ok(match Email::parse(email) {
                    Ok(email) => UserMatch {
                        email: Some(email.as_str().to_owned()),
                        ..UserMatch::default()
                    },
                    // Emails are stored parsed: what does not parse is no user's.
                    Err(_) => UserMatch {
                        contradictory: true,
                        ..UserMatch::default()
                    },
                })
            }
            ("externalid", Literal::Text(external_id)) => Ok(UserMatch {
                external_id: Some(external_id.clone()),
                ..UserMatch::default()
            }),
            ("active", Literal::Bool(active)) => Ok(UserMatch {
                active: Some(*active),
                ..UserMatch::default()
            }),
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// Two conditions on one attribute, both to hold.
fn both<T: PartialEq>(left: Option<T>, right: Option<T>, contradictory: &mut bool) -> Option<T> {
    match (left, right) {
        (Some(l), Some(r)) => {
            *contradictory |= l != r;
            Some(l)
        }
        (l, r) => l.or(r),
    }
}

/// An attribute path without the core User schema's URN.
fn core_attribute(path: &str) -> &str {
    let urn = USER_SCHEMA.to_ascii_lowercase();
    path.strip_prefix(&urn)
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or(path)
}
