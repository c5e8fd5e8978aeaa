//! (v1.1) Registered devices: your own (`/me/devices`) and, with `agent:write`, another
//! user's (`/users/{id}/devices`). Removing a device makes its `device_token` fail and signs
//! out the sessions opened on it.

use actix_web::HttpResponse;
use actix_web::dev::HttpServiceFactory;
use actix_web::web::{self, Json, Path};
use chrono::{DateTime, Utc};
use domain::auth::{self, ListedDevice, Owner};
use domain::{Action, Resource};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::actor::{Actor, Person};
use crate::error::ApiError;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/me/devices").get(list_my_devices).finish(),
        Endpoint::new("/me/devices/{id}")
            .delete(remove_my_device)
            .finish(),
        Endpoint::new("/users/{id}/devices")
            .get(list_user_devices)
            .finish(),
        Endpoint::new("/users/{id}/devices/{device_id}")
            .delete(remove_user_device)
            .finish(),
    )
}

/// A device registered for M-PIN sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceDto {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The last sign-in on it (password or M-PIN).
    pub last_used_at: DateTime<Utc>,
    /// The session making this request signed in on this device.
    pub current: bool,
}

/// A user's devices, most recently used first. Not paged: a user has at most 10 (signing in
/// on an 11th removes the least recently used).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceList {
    pub items: Vec<DeviceDto>,
}

impl From<Vec<ListedDevice>> for DeviceList {
    fn from(devices: Vec<ListedDevice>) -> Self {
        let items = devices
            .into_iter()
            .map(|listed| DeviceDto {
                id: listed.device.id,
                name: listed.device.name,
                created_at: listed.device.created_at,
                last_used_at: listed.device.last_used_at,
                current: listed.current,
            })
            .collect();
        Self { items }
    }
}

async fn list(state: &AppState, actor: &Actor, owner: Owner) -> Result<DeviceList, ApiError> {
    let (acting, session) = (actor.acting(), actor.session_id());
    let devices = auth::list_devices(&state.store, state, &acting, session, owner).await?;
    Ok(devices.into())
}

async fn remove(
    state: &AppState,
    actor: &Actor,
    owner: Owner,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    auth::remove_device(&state.store, state, &actor.acting(), owner, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your registered devices.
#[utoipa::path(get, path = "/api/v1/me/devices", operation_id = "listMyDevices", tag = "devices", security(("bearer_auth" = [])),
    responses((status = 200, description = "Your devices.", body = DeviceList)))]
pub async fn list_my_devices(
    state: web::Data<AppState>,
    actor: Person,
) -> Result<Json<DeviceList>, ApiError> {
    Ok(Json(list(&state, &actor, Owner::Me).await?))
}

/// Removes one of your devices: its M-PIN sign-in stops working, its sessions end.
#[utoipa::path(delete, path = "/api/v1/me/devices/{id}", operation_id = "removeMyDevice", tag = "devices",
    params(("id" = Uuid, Path, description = "The device's id.")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "`not_found`: no such device of yours.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_my_device(
    state: web::Data<AppState>,
    actor: Person,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &actor, Owner::Me, id.into_inner()).await
}

/// A user's registered devices (`agent:write`, and every permission of the user's role).
#[utoipa::path(get, path = "/api/v1/users/{id}/devices", operation_id = "listUserDevices", tag = "devices",
    params(("id" = Uuid, Path, description = "The user's id.")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The user's devices.", body = DeviceList),
        (status = 403, description = "`forbidden`: no `agent:write`, or the user's role grants more than yours.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_user_devices(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<Json<DeviceList>, ApiError> {
    actor.require(Resource::Agent, Action::Write)?;
    Ok(Json(
        list(&state, &actor, Owner::User(id.into_inner())).await?,
    ))
}

/// Removes a user's device (`agent:write`, and every permission of the user's role).
#[utoipa::path(delete, path = "/api/v1/users/{id}/devices/{device_id}", operation_id = "removeUserDevice", tag = "devices",
    params(
        ("id" = Uuid, Path, description = "The user's id."),
        ("device_id" = Uuid, Path, description = "The device's id."),
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "`forbidden`: no `agent:write`, or the user's role grants more than yours.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user, or no such device of theirs.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_user_device(
    state: web::Data<AppState>,
    actor: Actor,
    path: Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Agent, Action::Write)?;
    let (user_id, device_id) = path.into_inner();
    remove(&state, &actor, Owner::User(user_id), device_id).await
}
