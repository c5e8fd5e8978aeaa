//! SCIM errors (RFC 7644 §3.12): `{schemas, status, scimType?, detail}` as
//! `application/scim+json`. Every refusal the JSON API knows keeps its status and its
//! sentence; `scimType` is set where the RFC defines one for it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use domain::{DomainError, RuleViolation};
use serde::Serialize;

use super::SCIM_JSON;
use crate::error::{ApiError, ProblemCode};

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// RFC 7644's `scimType`s that this server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    InvalidFilter,
    InvalidValue,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    Mutability,
    Uniqueness,
}

#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// A refusal with its own `scimType` (400 unless `status` says otherwise).
    #[error("{detail}")]
    Typed {
        status: StatusCode,
        scim_type: ScimType,
        detail: String,
    },
    /// What the JSON API would answer, said the SCIM way.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// 501: an operation RFC 7644 defines that this server does not offer (bulk, `.search`).
    #[error("{0}")]
    NotImplemented(&'static str),
}

impl ScimError {
    pub fn bad(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::Typed {
            status: StatusCode::BAD_REQUEST,
            scim_type,
            detail: detail.into(),
        }
    }
}

impl From<DomainError> for ScimError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Rule(RuleViolation::SystemRole) => Self::bad(
                ScimType::Mutability,
                "The Company Admin group cannot be changed or deleted.",
            ),
            DomainError::Invalid(field) => Self::bad(
                ScimType::InvalidValue,
                format!("{}: {}", field.field, field.message),
            ),
            other => Self::Api(ApiError::from(other)),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    schemas: [&'static str; 1],
    /// A string, as RFC 7644 writes it.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scim_type: Option<ScimType>,
    detail: String,
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Typed { status, .. } => *status,
            Self::Api(api) => api.status_code(),
            Self::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (scim_type, detail, api) = match self {
            Self::Typed {
                scim_type, detail, ..
            } => (Some(*scim_type), detail.clone(), None),
            Self::NotImplemented(detail) => (None, (*detail).to_owned(), None),
            Self::Api(api) => {
                let problem = api.problem();
                let scim_type = match problem.code {
                    ProblemCode::EmailTaken
                    | ProblemCode::EmployeeCodeTaken
                    | ProblemCode::NameTaken => Some(ScimType::Uniqueness),
                    ProblemCode::BadRequest => Some(ScimType::InvalidSyntax),
                    ProblemCode::ValidationFailed => Some(ScimType::InvalidValue),
                    _ => None,
                };
                let detail = match &problem.errors {
                    Some(errors) => errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    None => problem.detail.clone().unwrap_or(problem.title.clone()),
                };
                (scim_type, detail, Some(api))
            }
        };
        // The JSON API's logging and headers (`Retry-After` on a 503) come with it.
        let mut response = match api {
            Some(api) => api.error_response(),
            None => HttpResponse::build(self.status_code()).finish(),
        };
        let status = self.status_code();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(SCIM_JSON),
        );
        let body = ErrorBody {
            schemas: [ERROR_SCHEMA],
            status: status.as_u16().to_string(),
            scim_type,
            detail,
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        response.set_body(actix_web::body::BoxBody::new(body))
    }
}
