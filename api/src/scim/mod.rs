//! SCIM 2.0 provisioning (`/scim/v2`, RFC 7643 / RFC 7644): identity providers manage a
//! company's users through the same use cases as the JSON API, so every rule (seats, ban,
//! last admin, no escalation, audit) holds on this path too. Callers authenticate with an
//! API key of the company; bodies are `application/scim+json`.

mod discovery;
mod error;
pub mod filter;
mod group_input;
mod groups;
mod patch_op;
mod projection;
mod resolve;
mod schemas;
mod user_input;
mod users;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use domain::ActorKind;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;

pub use error::{ScimError, ScimType};

use crate::actor::Actor;
use crate::error::ApiError;
use crate::routes;

pub const SCIM_JSON: &str = "application/scim+json";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The most resources one listing returns (`ServiceProviderConfig.filter.maxResults`).
pub const MAX_RESULTS: u64 = 200;

/// Every SCIM route, under `/scim/v2`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .service(discovery::resources())
            .service(unsupported())
            .service(users::resources())
            .service(groups::resources())
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ScimError::Api(ApiError::NotFound))
            })),
    );
}

/// What RFC 7644 defines and this server does not offer (`ServiceProviderConfig` says so):
/// 501, before `/Users/{id}` would take `.search` for an id.
fn unsupported() -> impl actix_web::dev::HttpServiceFactory {
    let searches: Vec<_> = ["/.search", "/Users/.search", "/Groups/.search"]
        .into_iter()
        .map(|path| {
            routes::Endpoint::new(path)
                .post(|| async {
                    Err::<HttpResponse, _>(ScimError::NotImplemented(
                        "POST .search is not supported: list with GET and `filter`.",
                    ))
                })
                .finish_as::<ScimError>()
        })
        .collect();
    let bulk = routes::Endpoint::new("/Bulk")
        .post(|| async {
            Err::<HttpResponse, _>(ScimError::NotImplemented(
                "Bulk operations are not supported.",
            ))
        })
        .finish_as::<ScimError>();
    (searches, bulk)
}

/// The API key a SCIM request is made with. A person's access token is not a provisioning
/// credential: 401, like no credential at all.
pub struct ScimActor(pub Actor);

impl FromRequest for ScimActor {
    type Error = ScimError;
    type Future = LocalBoxFuture<'static, Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let actor = Actor::from_request(req, payload);
        Box::pin(async move {
            match actor.await? {
                actor if actor.kind == ActorKind::ApiKey => Ok(ScimActor(actor)),
                _ => Err(ScimError::Api(ApiError::Unauthenticated)),
            }
        })
    }
}

/// A listing's query: `filter`, `startIndex`, `count`; `attributes` and
/// `excludedAttributes` are read by [`projection`], and `sortBy` is accepted and ignored.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
}

impl ListQuery {
    pub fn of(req: &HttpRequest) -> Result<Self, ScimError> {
        web::Query::<Self>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(|err| ScimError::bad(ScimType::InvalidValue, err.to_string()))
    }
}

/// An id in a path: not a UUID names nothing (404).
pub fn resource_id(id: &str) -> Result<uuid::Uuid, ScimError> {
    uuid::Uuid::parse_str(id).map_err(|_| ScimError::Api(ApiError::NotFound))
}

/// A 200 answer in SCIM's media type.
pub fn scim_ok(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok().content_type(SCIM_JSON).json(body)
}

/// A request's JSON: `application/scim+json` or `application/json` (or no type at all).
pub fn json_body(req: &HttpRequest, body: &[u8]) -> Result<Value, ScimError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/scim+json");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(SCIM_JSON) && !essence.eq_ignore_ascii_case("application/json")
    {
        return Err(ScimError::Api(ApiError::UnsupportedMediaType));
    }
    serde_json::from_slice(body)
        .map_err(|err| ScimError::bad(ScimType::InvalidSyntax, format!("not JSON: {err}")))
}

/// A 204 answer, typed as SCIM's though it has no body (some providers check the type).
pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .finish()
}

/// The absolute URL of `path` under `/scim/v2` on the host the request came to, for
/// `meta.location`.
pub fn location(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/scim/v2{path}", info.scheme(), info.host())
}

/// A SCIM ListResponse of already-rendered resources.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T: Serialize> {
    pub schemas: [&'static str; 1],
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: u64,
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<T: Serialize> ListResponse<T> {
    pub fn new(total_results: u64, start_index: u64, resources: Vec<T>) -> Self {
        Self {
            schemas: [LIST_SCHEMA],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }
}

/// `startIndex` (1-based; below 1 counts as 1, RFC 7644 §3.4.2.4) and `count` (at most
/// [`MAX_RESULTS`]; negative counts as 0) as a window of the listing.
pub fn window(start_index: Option<i64>, count: Option<i64>) -> (u64, domain::queries::PageRequest) {
    let start = u64::try_from(start_index.unwrap_or(1)).unwrap_or(0).max(1);
    let count = u64::try_from(count.unwrap_or(MAX_RESULTS as i64))
        .unwrap_or(0)
        .min(MAX_RESULTS);
    (
        start,
        domain::queries::PageRequest::window(start - 1, count),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_rfc_7644() {
        let (start, page) = window(None, None);
        assert_eq!((start, page.offset(), page.per_page), (1, 0, MAX_RESULTS));
        let (start, page) = window(Some(0), Some(-5));
        assert_eq!((start, page.offset(), page.per_page), (1, 0, 0));
        let (start, page) = window(Some(11), Some(10_000));
        assert_eq!((start, page.offset(), page.per_page), (11, 10, MAX_RESULTS));
    }
}
