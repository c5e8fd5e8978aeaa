//! Building and running the server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Condition, DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::Duration;
use domain::PasswordPolicy;
use domain::auth::SessionLifetime;
use domain::webhooks::Destinations;
use persistence::{ConnectOptions, EventsCommitted, Store, StoreError};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::{ApiError, PROBLEM_JSON, Problem, ProblemCode};
use crate::json::BodyLimit;
use crate::openapi::ApiDoc;
use crate::ratelimit::SignInLimiter;
use crate::security::passwords::PasswordHasher;
use crate::security::tokens::TokenKeys;
use crate::state::AppState;
use crate::telemetry::RequestSpan;
use crate::{routes, secret};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Domain(#[from] domain::DomainError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Secret(#[from] secret::SecretError),
    #[error("{0}")]
    Api(#[from] ApiError),
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to and migrates the database, then binds `config.bind` (port 0 picks a free
    /// port: see [`Application::port`]).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let database_existed = config.sqlite_file().is_some_and(|file| file.exists());
        let mut store = open_store(config).await?;
        persistence::migrate(&store).await?;
        let webhook_destinations = if config.webhooks_allow_http {
            Destinations::Anywhere
        } else {
            Destinations::PublicHttps
        };
        // A commit that recorded webhook events wakes the delivery worker at once.
        let events_committed = Arc::new(tokio::sync::Notify::new());
        let wake = Arc::clone(&events_committed);
        store.on_events_committed(EventsCommitted::new(move || wake.notify_one()));
        let secret = secret::resolve(config)?;
        let pin_pepper = secret::resolve_pepper(config, &secret, database_existed)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let state = web::Data::new(AppState {
            store,
            tokens: TokenKeys::new(&secret, Duration::seconds(config.access_token_ttl.into())),
            session_lifetime: SessionLifetime {
                idle: Duration::seconds(config.refresh_token_ttl.into()),
                max_age: Duration::seconds(config.session_max_age.into()),
            },
            hasher: PasswordHasher::new(config.max_concurrent_hashes.unwrap_or(cores))?,
            pin_pepper,
            sign_in_limiter: SignInLimiter::new(config.signin_rate, config.signin_burst),
            trusted_proxies: config.trusted_proxies.clone(),
            metrics: crate::metrics::Metrics::default(),
            password_policy: PasswordPolicy {
                min_chars: config.password_min_length,
            },
            signup_open: config.signup,
            default_agent_limit: i32::try_from(config.default_agent_limit)
                .map_err(|_| StartupError::Config("the default agent limit is too large".into()))?,
            webhook_destinations,
        });
        if config.scheduler {
            crate::scheduler::start(state.store.clone());
        }
        if config.webhooks_delivery {
            let sender = crate::webhooks::Sender::new(webhook_destinations)
                .map_err(|err| StartupError::Config(format!("the webhook sender: {err}")))?;
            crate::webhooks::start(state.store.clone(), sender, events_committed);
        }
        let listener = TcpListener::bind(config.bind)?;
        let port = listener.local_addr()?.port();
        let body_limit = web::Data::new(BodyLimit(config.max_body_bytes));
        let cors_origins = config.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(body_limit.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|err, _| ApiError::BadRequest(err.to_string()).into()),
                )
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()),
                )
                .configure(routes::configure)
                .configure(crate::scim::configure)
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url("/api-docs/openapi.json", ApiDoc::openapi()),
                )
                .default_service(web::to(routes::unknown_path))
                .wrap(ErrorHandlers::new().default_handler(problem_for_foreign_error))
                .wrap(actix_web::middleware::from_fn(crate::telemetry::record))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(TracingLogger::<RequestSpan>::new())
                // Outermost, so every answer has it: none is to be read as another type.
                .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
        })
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish (30 s at most).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

pub async fn open_store(config: &Config) -> Result<Store, StoreError> {
    persistence::connect(&ConnectOptions {
        url: config.database_url.clone(),
        max_connections: config.db_max_connections,
    })
    .await
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| {
            cors.allowed_origin(origin.trim())
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static(crate::idempotency::IDEMPOTENCY_KEY),
        ])
        .expose_headers([
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(crate::idempotency::IDEMPOTENCY_REPLAYED),
        ])
        .max_age(3600)
}

/// Rewrites error responses that did not come from `ApiError` (actix's own, CORS's) into
/// problem details, so no client ever sees a text/plain or HTML error.
fn problem_for_foreign_error<B: MessageBody>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Ours already: a problem, or a SCIM error on the SCIM path.
    let is_ours = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_JSON.as_bytes())
            || v.as_bytes().starts_with(crate::scim::SCIM_JSON.as_bytes())
    });
    if is_ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        401 => ProblemCode::Unauthenticated,
        403 => ProblemCode::Forbidden,
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        413 => ProblemCode::PayloadTooLarge,
        415 => ProblemCode::UnsupportedMediaType,
        429 => ProblemCode::RateLimited,
        500..=599 => ProblemCode::InternalError,
        // 400, and the rare other client errors of the HTTP layer: a request it could not take.
        _ => ProblemCode::BadRequest,
    };
    let problem = Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        code,
        detail: None,
        errors: None,
    };
    let (req, _) = res.into_parts();
    let response = HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
