//! The permission catalogue, for the role editor.

use actix_web::dev::HttpServiceFactory;
use actix_web::web::Json;
use domain::{Action, Resource};
use serde::Serialize;
use utoipa::ToSchema;

use super::Endpoint;
use crate::actor::Actor;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/permissions").get(list_permissions).finish()
}

/// A resource and the actions a role may be granted on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueEntry {
    /// e.g. `agent`; a permission is written `resource:action`.
    pub resource: &'static str,
    /// Always `read`, `write`, `delete`.
    pub actions: Vec<&'static str>,
}

/// The whole catalogue on one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    pub items: Vec<CatalogueEntry>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// Lists every permission, resources in sidebar order. Any signed-in user may read it: the
/// catalogue is the same for everyone and reveals nothing about the company.
#[utoipa::path(get, path = "/api/v1/permissions", operation_id = "listPermissions", tag = "roles",
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The catalogue, in sidebar order.", body = Catalogue)))]
pub async fn list_permissions(_actor: Actor) -> Json<Catalogue> {
    let items: Vec<_> = Resource::ALL
        .into_iter()
        .map(|resource| CatalogueEntry {
            resource: resource.as_str(),
            actions: Action::ALL.into_iter().map(Action::as_str).collect(),
        })
        .collect();
    let total = items.len() as u64;
    Json(Catalogue {
        page: 1,
        per_page: total,
        total,
        items,
    })
}
