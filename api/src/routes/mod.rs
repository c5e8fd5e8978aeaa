//! The HTTP surface. Every path is registered as one `web::resource` with a route per
//! method, so a wrong method on a known path answers 405 with `Allow` (actix's `#[get]`
//! macros would answer 404), and every handler carries a `#[utoipa::path]` listed in
//! `openapi::ApiDoc`.

use actix_web::dev::HttpServiceFactory;
use actix_web::{FromRequest, Handler, Responder, Route, web};

use crate::error::ApiError;

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod devices;
pub mod distribution;
pub mod groups;
pub mod leads;
pub mod me;
pub mod ops;
pub mod permissions;
pub mod reports;
pub mod roles;
pub mod settings;
pub mod subscription;
pub mod time_zones;
pub mod users;
pub mod webhooks;

/// Registers every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ops::healthz_resource())
        .service(ops::readyz_resource())
        .service(ops::metrics_resource())
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(
                    crate::idempotency::idempotency,
                ))
                .service(auth::resources())
                .service(me::resources())
                .service(devices::resources())
                .service(permissions::resources())
                .service(users::resources())
                .service(roles::resources())
                .service(groups::departments::resources())
                .service(groups::branches::resources())
                .service(subscription::resources())
                .service(audit::resources())
                .service(api_keys::resources())
                .service(leads::resources())
                .service(settings::resources())
                .service(time_zones::resources())
                .service(reports::resources())
                .service(webhooks::resources()),
        );
}

/// One path and the methods it accepts.
pub struct Endpoint {
    resource: actix_web::Resource,
    allow: Vec<&'static str>,
}

impl Endpoint {
    pub fn new(path: &str) -> Self {
        Self {
            resource: web::resource(path),
            allow: Vec::new(),
        }
    }

    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("GET", web::get().to(handler))
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("POST", web::post().to(handler))
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("PUT", web::put().to(handler))
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("PATCH", web::patch().to(handler))
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("DELETE", web::delete().to(handler))
    }

    fn route(mut self, method: &'static str, route: Route) -> Self {
        self.resource = self.resource.route(route);
        self.allow.push(method);
        self
    }

    /// The resource, answering 405 with `Allow` for any other method.
    pub fn finish(self) -> impl HttpServiceFactory {
        self.finish_as::<ApiError>()
    }

    /// [`Endpoint::finish`], with the 405 said as `E` says errors (SCIM's own body).
    pub fn finish_as<E>(self) -> impl HttpServiceFactory
    where
        E: From<ApiError> + actix_web::ResponseError + 'static,
    {
        let allow = self.allow.join(", ");
        self.resource.default_service(web::to(move || {
            let refusal = E::from(ApiError::MethodNotAllowed {
                allow: allow.clone(),
            });
            async move { Err::<actix_web::HttpResponse, E>(refusal) }
        }))
    }
}

/// The answer for a path no route knows.
pub async fn unknown_path() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
