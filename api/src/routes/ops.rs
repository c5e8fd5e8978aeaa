//! Operations endpoints, outside `/api/v1`.

use actix_web::dev::HttpServiceFactory;
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::prometheus_text;
use serde::Serialize;
use utoipa::ToSchema;

use super::Endpoint;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

pub fn healthz_resource() -> impl HttpServiceFactory {
    Endpoint::new("/healthz").get(healthz).finish()
}

pub fn readyz_resource() -> impl HttpServiceFactory {
    Endpoint::new("/readyz").get(readyz).finish()
}

pub fn metrics_resource() -> impl HttpServiceFactory {
    Endpoint::new("/metrics").get(metrics).finish()
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", operation_id = "checkHealth", tag = "operations",
    responses((status = 200, description = "The process is up.", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers a query.
#[utoipa::path(get, path = "/readyz", operation_id = "checkReadiness", tag = "operations",
    responses(
        (status = 200, description = "The database answered.", body = Health),
        (status = 503, description = "The database did not answer.", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// Prometheus metrics of this process.
#[utoipa::path(get, path = "/metrics", operation_id = "getMetrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4.", body = String, content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state
        .metrics
        .render(state.store.pool_stats())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(prometheus_text::CONTENT_TYPE)
        .body(text))
}
