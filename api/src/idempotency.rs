//! The `Idempotency-Key` middleware on `/api/v1`: an authenticated POST that carries the
//! header claims the key for its company, and a retry of it replays the first answer (see
//! `domain::idempotency`). Sign-up and `/auth/*` ignore the header: their answers carry
//! tokens, which are never stored.
//!
//! Known limit: the change a handler makes and the answer stored here are not one
//! transaction. A crash between them leaves a claim without an answer; a retry gets 409 until
//! the claim is taken over as abandoned, 5 minutes after it was made, and then runs again.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};
pub use domain::idempotency::MAX_KEY_CHARS;
use domain::idempotency::{Claim, IdempotencyKey, StoredAnswer};
use domain::ports::{Clock, IdempotencyKeys};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::actor::{bearer_token, find_key};
use crate::error::ApiError;
use crate::json::{BodyLimit, DEFAULT_BODY_LIMIT};
use crate::security::api_keys::is_api_key;
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a replayed answer, so a client can tell it from a fresh one.
pub const IDEMPOTENCY_REPLAYED: &str = "idempotency-replayed";

/// Sign-up and the sign-in endpoints: their answers carry tokens, so they are never stored.
pub fn ignores_key(path: &str) -> bool {
    path == "/api/v1/signup" || path.starts_with("/api/v1/auth/")
}

/// The middleware (`actix_web::middleware::from_fn`).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let header = req.headers().get(IDEMPOTENCY_KEY).cloned();
    let Some(header) = header.filter(|_| req.method() == Method::POST && !ignores_key(req.path()))
    else {
        return pass(req, next).await;
    };
    let Some(key) = IdempotencyKey::parse(&header_text(header.as_bytes())) else {
        let detail = "Idempotency-Key must be 1 to 255 characters".into();
        return Ok(req.error_response(ApiError::BadRequest(detail)));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(ApiError::internal("application state missing")));
    };
    let company_id = match credential_company(&req, &state).await {
        Ok(Some(company_id)) => company_id,
        Ok(None) => return pass(req, next).await,
        Err(err) => return Ok(req.error_response(err)),
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err)),
    };
    let hash = request_hash(req.method(), req.path(), &body);
    // The handler reads the body as if nothing had.
    req.set_payload(Payload::from(body));
    let claim = state
        .store
        .claim(company_id, &key, &hash, state.now())
        .await;
    match claim.map_err(ApiError::from) {
        Err(err) => Ok(req.error_response(err)),
        Ok(Claim::Reused) => Ok(req.error_response(ApiError::IdempotencyKeyReused)),
        Ok(Claim::Running) => Ok(req.error_response(ApiError::IdempotencyConflict)),
        Ok(Claim::Replay(answer)) => Ok(req.into_response(replay(answer))),
        Ok(Claim::Claimed) => run_claimed(req, next, &state, company_id, &key).await,
    }
}

/// The company a request's credential acts for. An access token tells it alone; a request
/// without a valid credential goes on to its handler, which answers 401, and nothing is
/// stored (a token whose session has ended claims the key, and its 401 releases it). An API
/// key is looked up here, and what was found is left for the `Actor` extractor, so the
/// request reads its key once.
async fn credential_company(
    req: &ServiceRequest,
    state: &AppState,
) -> Result<Option<Uuid>, ApiError> {
    let Some(token) = bearer_token(req.request()) else {
        return Ok(None);
    };
    if !is_api_key(&token) {
        return Ok(state.tokens.verify_access(&token).ok().map(|c| c.cid));
    }
    match find_key(state, &token).await {
        Ok(key) => {
            let company_id = key.company_id;
            req.extensions_mut().insert(key);
            Ok(Some(company_id))
        }
        Err(ApiError::Unauthenticated) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The key as text: UTF-8, or else Latin-1, which is how most HTTP clients send a string
/// that is not ASCII; so any key a client can send is one (the contract: any string).
fn header_text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec())
        .unwrap_or_else(|_| bytes.iter().copied().map(char::from).collect())
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Runs the handler, then stores its answer when it is final, or releases the key so that a
/// retry runs again.
async fn run_claimed(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &AppState,
    company_id: Uuid,
    key: &IdempotencyKey,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(err) => {
            release(state, company_id, key).await;
            return Err(err);
        }
    };
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let Ok(bytes) = body::to_bytes(body).await else {
        release(state, company_id, key).await;
        let err = ApiError::internal("the answer's body was unreadable");
        return Ok(ServiceResponse::new(req, err.error_response()));
    };
    let status = head.status();
    let text = std::str::from_utf8(&bytes).ok();
    match text.filter(|_| is_final(status)) {
        Some(text) => {
            let header = |name| {
                head.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let answer = StoredAnswer {
                status: status.as_u16(),
                body: text.to_owned(),
                content_type: header(header::CONTENT_TYPE),
                location: header(header::LOCATION),
            };
            // The change is made: its answer goes out even if it cannot be stored (the claim
            // then runs until it is abandoned).
            if let Err(err) = state.store.complete(company_id, key, &answer).await {
                tracing::warn!(error = %err, "an idempotent answer was not stored");
            }
        }
        None => release(state, company_id, key).await,
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// An answer a retry would get again: a success, or a client error other than those that
/// depend on the moment (401, 403: the token or role may change; 429: the rate). Server
/// errors and 503 are not: the retry should run again.
fn is_final(status: StatusCode) -> bool {
    let transient = [
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    status.is_success() || (status.is_client_error() && !transient.contains(&status))
}

async fn release(state: &AppState, company_id: Uuid, key: &IdempotencyKey) {
    if let Err(err) = state.store.release(company_id, key).await {
        tracing::warn!(error = %err, "an idempotency key was not released");
    }
}

fn replay(answer: StoredAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = answer.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = answer.location {
        response.insert_header((header::LOCATION, location));
    }
    response.insert_header((IDEMPOTENCY_REPLAYED, "true"));
    response.body(answer.body)
}

/// The whole body, within the configured limit (413 beyond it, as the handler would answer).
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map_or(DEFAULT_BODY_LIMIT, |limit| limit.0);
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| ApiError::BadRequest(format!("unreadable body: {err}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// SHA-256 (hex) of the method, the path and the body: what "the same request" means.
fn request_hash(method: &Method, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str());
    hasher.update(b" ");
    hasher.update(path);
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_a_retry_would_get_again_are_stored() {
        for status in [200, 201, 204, 400, 404, 409, 412, 413, 415, 422] {
            assert!(is_final(StatusCode::from_u16(status).unwrap()), "{status}");
        }
        for status in [401, 403, 429, 500, 503] {
            assert!(!is_final(StatusCode::from_u16(status).unwrap()), "{status}");
        }
    }

    #[test]
    fn the_request_hash_covers_method_path_and_body() {
        let one = request_hash(&Method::POST, "/api/v1/users", b"{}");
        assert_eq!(one, request_hash(&Method::POST, "/api/v1/users", b"{}"));
        assert_ne!(one, request_hash(&Method::POST, "/api/v1/roles", b"{}"));
        assert_ne!(one, request_hash(&Method::POST, "/api/v1/users", b"{ }"));
    }

    #[test]
    fn a_key_that_is_not_utf8_is_read_as_latin1() {
        assert_eq!(header_text("clé".as_bytes()), "clé");
        assert_eq!(header_text(b"cl\xe9"), "clé");
    }

    #[test]
    fn sign_up_and_sign_in_ignore_the_key() {
        assert!(ignores_key("/api/v1/signup"));
        assert!(ignores_key("/api/v1/auth/login"));
        assert!(!ignores_key("/api/v1/users"));
    }
}
