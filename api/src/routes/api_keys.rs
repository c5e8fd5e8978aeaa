//! API keys (`settings:*`): credentials for integrations, which call every `/api/v1`
//! endpoint but the `/me` family with `Authorization: Bearer cly_...`.

use actix_web::HttpResponse;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::web::{self, Json, Path, Query};
use chrono::{DateTime, Utc};
use domain::api_keys::{self, ApiKeyRecord, NewApiKey};
use domain::queries::ApiKeyQueries;
use domain::{Action, Resource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::actor::Actor;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::paging::{page, page_request};
use crate::routes::roles::{PageQuery, parse_named_permissions};
use crate::security::api_keys::new_api_key;
use crate::state::AppState;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/api-keys")
            .get(list_api_keys)
            .post(create_api_key)
            .finish(),
        Endpoint::new("/api-keys/{id}")
            .get(get_api_key)
            .delete(delete_api_key)
            .finish(),
    )
}

/// An API key as listed: never the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters (`cly_` and 8 more), to tell keys apart.
    pub prefix: String,
    /// What the key may do: `resource:action` strings in catalogue order.
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `null`: the key never expires.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When a request last used the key, to the minute; `null` until its first use.
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
}

page!(ApiKeyPage of ApiKeyDto, "One page of API keys, newest first. A page past the end has no items.");

impl From<ApiKeyRecord> for ApiKeyDto {
    fn from(key: ApiKeyRecord) -> Self {
        Self {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            permissions: key.permissions.iter().map(|p| p.to_string()).collect(),
            created_at: key.created_at,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
        }
    }
}

/// A key just created: the only answer that ever shows the key.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyDto {
    #[serde(flatten)]
    pub api_key: ApiKeyDto,
    /// The key (`cly_` and 40 base62 characters), shown this once: only a hash is kept.
    /// Send it as `Authorization: Bearer cly_...`.
    pub key: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for, e.g. the integration's name.
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
    /// `resource:action` strings, each one the caller holds itself.
    #[schema(value_type = Vec<crate::schema_rules::Permission>)]
    pub permissions: Vec<String>,
    /// When the key stops working (RFC 3339, in the future); absent or `null`: never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Lists the company's API keys, newest first.
#[utoipa::path(get, path = "/api/v1/api-keys", operation_id = "listApiKeys", tag = "api-keys", params(PageQuery),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "A page of API keys.", body = ApiKeyPage)))]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> Result<Json<ApiKeyPage>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let request = page_request(query.page, query.per_page)?;
    let paged = state.store.list_api_keys(actor.company_id, request).await?;
    Ok(Json(ApiKeyPage::of(paged, request, ApiKeyDto::from)))
}

/// Creates an API key for an integration. It acts for the company with exactly the
/// permissions given here, which must be within the caller's own (403 otherwise), until it is
/// deleted or expires; it keeps working when the person who created it leaves. The key is in
/// this answer only.
#[utoipa::path(post, path = "/api/v1/api-keys", operation_id = "createApiKey", tag = "api-keys", request_body = CreateApiKeyRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `key` is shown this once.", body = CreatedApiKeyDto,
            headers(("Location" = String, description = "The new key's URL."))),
        (status = 422, description = "`validation_failed`: a blank name, an unknown permission or an expiry in the past.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_api_key(
    state: web::Data<AppState>,
    actor: Actor,
    body: ApiJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Write)?;
    let (name, permissions) = parse_named_permissions(&body.0.name, &body.0.permissions)?;
    let new = NewApiKey {
        name,
        permissions,
        expires_at: body.0.expires_at,
    };
    let (key, digest) = new_api_key();
    let created =
        api_keys::create_api_key(&state.store, &actor.acting(), new, digest, Utc::now()).await?;
    let id = created.id;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-keys/{id}")))
        .json(CreatedApiKeyDto {
            api_key: ApiKeyDto::from(created),
            key,
        }))
}

/// One API key (never the key itself).
#[utoipa::path(get, path = "/api/v1/api-keys/{id}", operation_id = "getApiKey", tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id.")),
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The key.", body = ApiKeyDto)))]
pub async fn get_api_key(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<Json<ApiKeyDto>, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    let key = state
        .store
        .api_key(actor.company_id, id.into_inner())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(ApiKeyDto::from(key)))
}

/// Deletes an API key: the next request made with it gets 401.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", operation_id = "deleteApiKey", tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id.")),
    security(("bearer_auth" = [])),
    responses((status = 204, description = "Deleted.")))]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    actor: Actor,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Delete)?;
    api_keys::delete_api_key(&state.store, &actor.acting(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
