//! `Actor`: who is calling, checked against the database on every request.

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use domain::queries::ActorQueries;
use domain::{Action, Permission, PermissionSet, Resource};
use futures_util::future::LocalBoxFuture;
use tracing_actix_web::RootSpan;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in user behind a request. Extracting it verifies the bearer token AND loads the
/// user, the session and the role's permissions from the database (one query), so a ban, a
/// deletion, a sign-out or a permission change applies to the very next request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub name: String,
    /// The client's address, for the audit trail.
    pub ip: Option<String>,
    pub company_id: Uuid,
    pub session_id: Uuid,
    pub role_id: Uuid,
    pub permissions: PermissionSet,
}

impl Actor {
    /// The actor as the domain's rules and audit trail see it.
    pub fn acting(&self) -> domain::Actor {
        domain::Actor {
            company_id: self.company_id,
            user_id: self.user_id,
            name: self.name.clone(),
            permissions: self.permissions,
            ip: self.ip.clone(),
        }
    }

    /// 403 `forbidden` unless the role grants `resource:action`.
    pub fn require(&self, resource: Resource, action: Action) -> Result<(), ApiError> {
        if self.permissions.contains(Permission::new(resource, action)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let span = req.extensions().get::<RootSpan>().cloned();
        let ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let claims = state
                .tokens
                .verify_access(&token.ok_or(ApiError::Unauthenticated)?)?;
            let record = state
                .store
                .actor(claims.cid, claims.sub, claims.sid)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            if let Some(span) = span {
                span.record("company_id", tracing::field::display(claims.cid));
                span.record("user_id", tracing::field::display(claims.sub));
            }
            Ok(Actor {
                user_id: record.user_id,
                name: record.name,
                ip,
                company_id: claims.cid,
                session_id: record.session_id,
                role_id: record.role_id,
                permissions: record.permissions,
            })
        })
    }
}

pub(crate) fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The client's address as the audit trail records it: the peer, or what trusted proxies
/// forwarded (see [`crate::client_address`]).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::client_address::client_address(req).map(|ip| ip.to_string())
}
