//! One error type for every handler, rendered as RFC 9457 problem details.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use domain::auth::Refusal;
use domain::{DomainError, FieldError, LeadRefusal, Locked, RuleViolation, UniqueField};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with. Each variant's doc names its status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`: unreadable JSON, wrong types, unknown or missing fields, bad query.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 `unauthenticated`: no, invalid or expired token, or a revoked session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 401 `invalid_credentials`: one answer for an unknown company, an unknown email and a
    /// wrong secret, so sign-in cannot be used to find out which accounts exist.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403 `forbidden`: the role lacks the permission, or the action would escalate.
    #[error("forbidden")]
    Forbidden,
    /// 403 `user_banned`: a banned user presented the right secret.
    #[error("user banned")]
    UserBanned,
    /// 423 `account_locked`: too many wrong passwords; `Retry-After` says for how long.
    #[error("account locked")]
    AccountLocked { retry_after: i64 },
    /// 423 `mpin_locked`: too many wrong M-PINs, until a password sign-in or an admin reset.
    #[error("mpin locked")]
    MpinLocked,
    /// 409 `mpin_not_set`: M-PIN sign-in for a user who has none.
    #[error("mpin not set")]
    MpinNotSet,
    /// 429 `rate_limited`: too many sign-in requests from one address; `Retry-After`.
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    /// 404 `not_found`: missing, or another company's (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// 412 `precondition_failed`: `If-Match` names a version the resource no longer has.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 409 `idempotency_conflict`: the request with this `Idempotency-Key` is still running.
    #[error("idempotency conflict")]
    IdempotencyConflict,
    /// 422 `idempotency_key_reused`: the `Idempotency-Key` came with another request.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// 405 `method_not_allowed`, with the `Allow` header listing what the path accepts.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    /// 409 with the code of the uniqueness rule that refused the write.
    #[error("conflict: {0:?}")]
    Taken(UniqueField),
    /// A broken invariant: 403 `forbidden` for an escalation; otherwise 409
    /// `agent_limit_reached`, `last_admin`, `self_action`, `system_role` or `in_use`.
    #[error("{0}")]
    Rule(RuleViolation),
    /// 409 `assignee_banned` or `lead_cap_reached`: the user cannot take one more open lead.
    #[error("{0}")]
    Lead(LeadRefusal),
    /// 413 `payload_too_large`: the body is over the configured limit.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 415 `unsupported_media_type`: the body is not declared as JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422 `validation_failed`: well-typed values that break a rule, listed in `errors[]`.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 503 `unavailable`: a dependency (the database, the hashing queue) does not answer;
    /// `Retry-After` says when to try again.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500 `internal_error`: the cause is logged with its chain, never sent.
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// One refused field.
    /// The answer to a refused sign-in, refresh or sign-out: a wrong secret and an unknown
    /// account answer alike.
    fn refused(refusal: Refusal) -> Self {
        match refusal {
            Refusal::UnknownAccount | Refusal::WrongSecret { .. } => Self::InvalidCredentials,
            Refusal::Locked(locked) => Self::locked(locked, Utc::now()),
            Refusal::Banned => Self::UserBanned,
            Refusal::MpinNotSet => Self::MpinNotSet,
            Refusal::SessionEnded => Self::Unauthenticated,
        }
    }

    /// 423 for a locked secret: `account_locked` with how long to wait, or `mpin_locked`.
    fn locked(locked: Locked, now: DateTime<Utc>) -> Self {
        match locked.retry_after(now) {
            Some(retry_after) => Self::AccountLocked { retry_after },
            None => Self::MpinLocked,
        }
    }

    pub fn invalid(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }

    pub fn code(&self) -> ProblemCode {
        match self {
            Self::BadRequest(_) => ProblemCode::BadRequest,
            Self::Unauthenticated => ProblemCode::Unauthenticated,
            Self::InvalidCredentials => ProblemCode::InvalidCredentials,
            Self::Forbidden => ProblemCode::Forbidden,
            Self::UserBanned => ProblemCode::UserBanned,
            Self::AccountLocked { .. } => ProblemCode::AccountLocked,
            Self::MpinLocked => ProblemCode::MpinLocked,
            Self::MpinNotSet => ProblemCode::MpinNotSet,
            Self::RateLimited { .. } => ProblemCode::RateLimited,
            Self::NotFound => ProblemCode::NotFound,
            Self::PreconditionFailed => ProblemCode::PreconditionFailed,
            Self::IdempotencyConflict => ProblemCode::IdempotencyConflict,
            Self::IdempotencyKeyReused => ProblemCode::IdempotencyKeyReused,
            Self::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            Self::Taken(field) => match field {
                UniqueField::CompanyCode => ProblemCode::CompanyCodeTaken,
                UniqueField::Email => ProblemCode::EmailTaken,
                UniqueField::EmployeeCode => ProblemCode::EmployeeCodeTaken,
                UniqueField::Name => ProblemCode::NameTaken,
            },
            Self::Rule(rule) => match rule {
                RuleViolation::AgentLimitReached { .. } => ProblemCode::AgentLimitReached,
                RuleViolation::LastAdmin => ProblemCode::LastAdmin,
                RuleViolation::SelfAction => ProblemCode::SelfAction,
                RuleViolation::Escalation => ProblemCode::Forbidden,
                RuleViolation::SystemRole => ProblemCode::SystemRole,
                RuleViolation::InUse { .. } => ProblemCode::InUse,
                RuleViolation::PeopleOnly => ProblemCode::Forbidden,
            },
            Self::Lead(LeadRefusal::AssigneeBanned) => ProblemCode::AssigneeBanned,
            Self::Lead(LeadRefusal::CapReached { .. }) => ProblemCode::LeadCapReached,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            Self::Validation(_) => ProblemCode::ValidationFailed,
            Self::Unavailable(_) => ProblemCode::Unavailable,
            Self::Internal(_) => ProblemCode::InternalError,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::Unauthenticated => "Authentication required",
            Self::InvalidCredentials => "Invalid credentials",
            Self::Forbidden => "Forbidden",
            Self::UserBanned => "User banned",
            Self::AccountLocked { .. } => "Account locked",
            Self::MpinLocked => "M-PIN locked",
            Self::MpinNotSet => "M-PIN not set",
            Self::RateLimited { .. } => "Too many requests",
            Self::NotFound => "Not found",
            Self::PreconditionFailed => "Precondition failed",
            Self::IdempotencyConflict => "Idempotency conflict",
            Self::IdempotencyKeyReused => "Idempotency key reused",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Taken(UniqueField::CompanyCode) => "Company code taken",
            Self::Taken(UniqueField::Email) => "Email taken",
            Self::Taken(UniqueField::EmployeeCode) => "Employee code taken",
            Self::Taken(UniqueField::Name) => "Name taken",
            Self::Rule(rule) => match rule {
                RuleViolation::AgentLimitReached { .. } => "Agent limit reached",
                RuleViolation::LastAdmin => "Last Company Admin",
                RuleViolation::SelfAction => "Not on yourself",
                RuleViolation::Escalation => "Forbidden",
                RuleViolation::SystemRole => "System role",
                RuleViolation::InUse { .. } => "In use",
                RuleViolation::PeopleOnly => "Forbidden",
            },
            Self::Lead(LeadRefusal::AssigneeBanned) => "Assignee banned",
            Self::Lead(LeadRefusal::CapReached { .. }) => "Lead cap reached",
            Self::PayloadTooLarge { .. } => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::Validation(_) => "Validation failed",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(detail) => detail.clone(),
            Self::Unauthenticated => {
                "Sign in again: the token is missing, invalid or expired, or the session has ended."
                    .into()
            }
            Self::InvalidCredentials => "The company, email or secret is wrong.".into(),
            Self::Forbidden => "Your role does not allow this.".into(),
            Self::UserBanned => "This account is banned. Ask an administrator.".into(),
            Self::AccountLocked { retry_after } => {
                format!("Too many wrong passwords: try again in {retry_after} seconds.")
            }
            Self::MpinLocked => {
                "Too many wrong M-PINs: sign in with your password to unlock it.".into()
            }
            Self::MpinNotSet => "This user has no M-PIN: sign in with the password.".into(),
            Self::RateLimited { retry_after } => {
                format!("Too many sign-in requests: try again in {retry_after} seconds.")
            }
            Self::NotFound => "No such resource.".into(),
            Self::PreconditionFailed => {
                "It changed since you read it (If-Match): read it again, then retry.".into()
            }
            Self::IdempotencyConflict => {
                "The request with this Idempotency-Key is still running: retry shortly.".into()
            }
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was used for another request: use a new key.".into()
            }
            Self::MethodNotAllowed { allow } => format!("This path accepts {allow}."),
            Self::Taken(UniqueField::CompanyCode) => {
                "Another company already uses this code.".into()
            }
            Self::Taken(UniqueField::Email) => {
                "Another user of the company already has this email.".into()
            }
            Self::Taken(UniqueField::EmployeeCode) => {
                "Another user of the company already has this employee code.".into()
            }
            Self::Taken(UniqueField::Name) => "The company already has one with this name.".into(),
            Self::Rule(rule) => match rule {
                RuleViolation::AgentLimitReached { limit } => {
                    format!("All {limit} seats of the subscription are in use.")
                }
                RuleViolation::LastAdmin => {
                    "The company must keep at least one active Company Admin.".into()
                }
                RuleViolation::SelfAction => "You cannot ban or delete yourself.".into(),
                RuleViolation::Escalation => {
                    "This would grant or touch permissions you do not hold.".into()
                }
                RuleViolation::SystemRole => "The Company Admin role cannot be changed.".into(),
                RuleViolation::InUse { users } => format!("{users} user(s) still use it."),
                RuleViolation::PeopleOnly => {
                    "An API key has no account of its own: the /me endpoints need a signed-in person."
                        .into()
                }
            },
            Self::Lead(LeadRefusal::AssigneeBanned) => {
                "A banned user keeps the leads they hold and gets no new ones.".into()
            }
            Self::Lead(LeadRefusal::CapReached { cap }) => {
                format!("The assignee already holds their cap of {cap} open leads.")
            }
            Self::PayloadTooLarge { limit } => {
                format!("The body is over the limit of {limit} bytes.")
            }
            Self::UnsupportedMediaType => "Send the body as application/json.".into(),
            Self::Validation(errors) => {
                format!("{} field(s) were refused; see errors.", errors.len())
            }
            Self::Unavailable(_) => "A dependency is not answering; try again shortly.".into(),
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let errors = match self {
            Self::Validation(errors) => Some(errors.iter().map(ProblemField::from).collect()),
            _ => None,
        };
        Problem {
            kind: "about:blank".into(),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            code: self.code(),
            detail: Some(self.detail()),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::UserBanned => StatusCode::FORBIDDEN,
            Self::AccountLocked { .. } | Self::MpinLocked => StatusCode::LOCKED,
            Self::MpinNotSet => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::IdempotencyConflict => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Taken(_) => StatusCode::CONFLICT,
            Self::Rule(RuleViolation::Escalation | RuleViolation::PeopleOnly) => {
                StatusCode::FORBIDDEN
            }
            Self::Rule(_) | Self::Lead(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error = %error_chain(cause.as_ref()), "request failed")
            }
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "dependency unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::AccountLocked { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) => {
                response
                    .insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_SECONDS.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// What a 503's `Retry-After` suggests: outages worth answering 503 for are short (a
/// restart, a failover), and clients back off further on their own.
const RETRY_UNAVAILABLE_SECONDS: u64 = 1;

/// "outer: inner: innermost", so a log line shows the whole cause.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound => Self::NotFound,
            DomainError::PreconditionFailed => Self::PreconditionFailed,
            DomainError::Conflict(field) => Self::Taken(field),
            DomainError::Invalid(error) => Self::invalid(error),
            DomainError::Rule(rule) => Self::Rule(rule),
            DomainError::Lead(refusal) => Self::Lead(refusal),
            DomainError::SignIn(refusal) => Self::refused(refusal),
            DomainError::Overloaded(what) => Self::Unavailable(what.into()),
            DomainError::Unavailable(cause) => Self::Unavailable(error_chain(cause.as_ref())),
            DomainError::Fault(cause) => Self::Internal(cause),
        }
    }
}

/// RFC 9457 problem details, as every 4xx and 5xx body.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` is the machine-readable kind.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable and machine-readable, e.g. `agent_limit_reached`.
    pub code: ProblemCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// On 422 only: the refused fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
}

/// The stable, machine-readable kind of a problem: what a client branches on. The status
/// alone does not say which of several 409s (or 401s, 403s, 423s) it is. Codes are only ever
/// added, never renamed or removed: a client meeting one it does not know acts on the HTTP
/// status (with openapi-generator, generate with `enumUnknownDefaultCase=true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// 400: the body is not valid JSON, wrong types, unknown fields or query values.
    BadRequest,
    /// 401: no, invalid or expired token, or a revoked session.
    Unauthenticated,
    /// 401: wrong company, email, password or M-PIN (one answer for all).
    InvalidCredentials,
    /// 403: the role lacks the permission, or the action would escalate privileges.
    Forbidden,
    /// 403: a banned user signed in with the right secret.
    UserBanned,
    /// 404: missing, or another company's.
    NotFound,
    /// 405: the path does not accept the method; `Allow` lists those it does.
    MethodNotAllowed,
    /// 409: another user of the company has this email.
    EmailTaken,
    /// 409: another user of the company has this employee code.
    EmployeeCodeTaken,
    /// 409: the company already has a role, department or branch of this name.
    NameTaken,
    /// 409: another company has this code.
    CompanyCodeTaken,
    /// 409: every seat of the subscription is in use.
    AgentLimitReached,
    /// 409: the change would leave the company with no active Company Admin.
    LastAdmin,
    /// 409: the assignee already holds `lead_cap` open leads.
    LeadCapReached,
    /// 409: leads are not assigned to a banned user.
    AssigneeBanned,
    /// 409: users still reference the role, department or branch.
    InUse,
    /// 409: the system Company Admin role cannot be edited or deleted.
    SystemRole,
    /// 409: banning or deleting yourself, or resetting your own secrets as an admin.
    SelfAction,
    /// 409: M-PIN sign-in for a user without an M-PIN.
    MpinNotSet,
    /// 409: a request with the same `Idempotency-Key` is still being processed.
    IdempotencyConflict,
    /// 412: `If-Match` names an older version of the resource.
    PreconditionFailed,
    /// 413: the body is over the limit (1 MiB by default).
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: well-typed values that break a rule, listed in `errors`.
    ValidationFailed,
    /// 422: the same `Idempotency-Key` came with a different request.
    IdempotencyKeyReused,
    /// 423: too many wrong passwords; `Retry-After` says for how long.
    AccountLocked,
    /// 423: too many wrong M-PINs, until a password sign-in or an admin reset.
    MpinLocked,
    /// 429: too many sign-in requests from one address; `Retry-After`.
    RateLimited,
    /// 500: the cause is logged, never sent.
    InternalError,
    /// 503: the database or the hashing queue does not answer; `Retry-After`.
    Unavailable,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemField {
    /// A JSON path into the request body, e.g. `admin.email` or `permissions[1]`.
    pub field: String,
    /// Why, machine-readable: `invalid`, `required`, `too_short`, ...
    pub code: String,
    pub message: String,
}

impl From<&FieldError> for ProblemField {
    fn from(error: &FieldError) -> Self {
        Self {
            field: error.field.clone(),
            code: error.code.into(),
            message: error.message.clone(),
        }
    }
}
