//! `Actor`: who is calling, checked against the database on every request: a person with an
//! access token, or an integration with an API key (`cly_...`). `Person`: the same, where
//! only a signed-in person may call (the `/me` family).

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use domain::queries::{ActorQueries, ActorRecord, CompanyRecord, KeyActorRecord, UserView};
use domain::{Action, ActorKind, Permission, PermissionSet, Resource, RuleViolation, api_keys};
use futures_util::future::LocalBoxFuture;
use tracing_actix_web::RootSpan;
use uuid::Uuid;

use crate::error::ApiError;
use crate::security::api_keys::{api_key_hash, is_api_key};
use crate::state::AppState;

/// The caller behind a request. Extracting it verifies the bearer credential AND loads what
/// it stands for from the database (one query): for a person the user, the session and the
/// role's permissions, for a key the key; so a ban, a deletion, a sign-out, a permission
/// change or a deleted key applies to the very next request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub company_id: Uuid,
    /// The user's id, or the API key's.
    pub id: Uuid,
    pub kind: ActorKind,
    pub name: String,
    /// The client's address, for the audit trail.
    pub ip: Option<String>,
    pub permissions: PermissionSet,
    /// The session of a signed-in person; `None` for an API key.
    session_id: Option<Uuid>,
}

impl Actor {
    /// The actor as the domain's rules and audit trail see it.
    pub fn acting(&self) -> domain::Actor {
        domain::Actor {
            company_id: self.company_id,
            id: self.id,
            kind: self.kind,
            name: self.name.clone(),
            permissions: self.permissions,
            ip: self.ip.clone(),
        }
    }

    /// The session of a signed-in person; `None` for an API key.
    pub fn session_id(&self) -> Option<Uuid> {
        self.session_id
    }

    /// 403 `forbidden` unless the actor holds `resource:action`.
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
        // The idempotency middleware may have found the key already.
        let known_key = req.extensions().get::<KeyActorRecord>().cloned();
        let span = req.extensions().get::<RootSpan>().cloned();
        let ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or(ApiError::Unauthenticated)?;
            let actor = if is_api_key(&token) {
                let key = match known_key {
                    Some(key) => key,
                    None => find_key(&state, &token).await?,
                };
                key_actor(key, ip)
            } else {
                person(&state, &token, ip).await?
            };
            record_in_span(span, &actor);
            Ok(actor)
        })
    }
}

/// The key a `cly_...` credential names, if it may act now; else 401.
pub(crate) async fn find_key(state: &AppState, key: &str) -> Result<KeyActorRecord, ApiError> {
    api_keys::authenticate(&state.store, &api_key_hash(key), Utc::now())
        .await?
        .ok_or(ApiError::Unauthenticated)
}

fn key_actor(key: KeyActorRecord, ip: Option<String>) -> Actor {
    Actor {
        company_id: key.company_id,
        id: key.id,
        kind: ActorKind::ApiKey,
        name: key.name,
        ip,
        permissions: key.permissions,
        session_id: None,
    }
}

/// Names the actor in the request's log span.
fn record_in_span(span: Option<RootSpan>, actor: &Actor) {
    if let Some(span) = span {
        span.record("company_id", tracing::field::display(actor.company_id));
        let field = match actor.kind {
            ActorKind::User => "user_id",
            ActorKind::ApiKey => "api_key_id",
        };
        span.record(field, tracing::field::display(actor.id));
    }
}

async fn person(state: &AppState, token: &str, ip: Option<String>) -> Result<Actor, ApiError> {
    let claims = state.tokens.verify_access(token)?;
    let record = state
        .store
        .actor(claims.cid, claims.sub, claims.sid)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(person_actor(claims.cid, record, ip))
}

fn person_actor(company_id: Uuid, record: ActorRecord, ip: Option<String>) -> Actor {
    Actor {
        company_id,
        id: record.user_id,
        kind: ActorKind::User,
        name: record.name,
        ip,
        permissions: record.permissions,
        session_id: Some(record.session_id),
    }
}

/// A signed-in person, where an API key may not call: what a person does with their own
/// account (`/me`, its secrets, sessions and devices). A key gets 403 `forbidden`.
#[derive(Debug, Clone)]
pub struct Person {
    actor: Actor,
    pub user_id: Uuid,
    /// The session the request is made in (the access token's `sid`).
    pub session_id: Uuid,
}

/// A person is an actor with an account of their own: what holds for every actor holds for
/// them (`company_id`, `permissions`, [`Actor::acting`]).
impl std::ops::Deref for Person {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.actor
    }
}

impl FromRequest for Person {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let actor = Actor::from_request(req, payload);
        Box::pin(async move {
            let actor = actor.await?;
            let Some(session_id) = actor.session_id else {
                return Err(ApiError::Rule(RuleViolation::PeopleOnly));
            };
            let user_id = actor.id;
            Ok(Person {
                actor,
                user_id,
                session_id,
            })
        })
    }
}

/// `GET /me`'s caller: checked as a [`Person`] is (not banned, a live session, the role's
/// permissions now), with their user's view and company read by the same one query.
#[derive(Debug, Clone)]
pub struct PersonWithView {
    pub person: Person,
    pub user: UserView,
    pub company: CompanyRecord,
}

impl FromRequest for PersonWithView {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let span = req.extensions().get::<RootSpan>().cloned();
        let ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or(ApiError::Unauthenticated)?;
            if is_api_key(&token) {
                // As on every person-only route: 401 for what is no key, 403 for a key.
                find_key(&state, &token).await?;
                return Err(ApiError::Rule(RuleViolation::PeopleOnly));
            }
            let claims = state.tokens.verify_access(&token)?;
            let me = state
                .store
                .me(claims.cid, claims.sub, claims.sid)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            let session_id = me.actor.session_id;
            let actor = person_actor(claims.cid, me.actor, ip);
            record_in_span(span, &actor);
            let user_id = actor.id;
            Ok(PersonWithView {
                person: Person {
                    actor,
                    user_id,
                    session_id,
                },
                user: me.user,
                company: me.company,
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
