//! Response bodies shared by several routes. Request bodies live beside their handler.

use chrono::{DateTime, Utc};
use domain::queries::{CompanyRecord, NamedRef, UserView};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `{id, name}` of a referenced record.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRefDto {
    pub id: Uuid,
    pub name: String,
}

impl From<NamedRef> for NamedRefDto {
    fn from(named: NamedRef) -> Self {
        Self {
            id: named.id,
            name: named.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyDto {
    pub id: Uuid,
    pub name: String,
    /// The sign-in code.
    pub code: String,
}

impl From<CompanyRecord> for CompanyDto {
    fn from(company: CompanyRecord) -> Self {
        Self {
            id: company.id,
            name: company.name,
            code: company.code,
        }
    }
}

/// A user. Never carries a password, an M-PIN or a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub name: String,
    /// Trimmed and lowercased.
    pub email: String,
    #[schema(required = true)]
    pub employee_code: Option<String>,
    /// E.164, e.g. `+919812345678`.
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub department: Option<NamedRefDto>,
    #[schema(required = true)]
    pub branch: Option<NamedRefDto>,
    pub role: NamedRefDto,
    /// How many open leads the user may hold.
    pub lead_cap: i32,
    /// Open leads the user holds now.
    pub leads_held: i64,
    pub banned: bool,
    pub mpin_set: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserView> for UserDto {
    fn from(user: UserView) -> Self {
        Self {
            id: user.id,
            name: user.name,
            email: user.email,
            employee_code: user.employee_code,
            phone: user.phone,
            department: user.department.map(Into::into),
            branch: user.branch.map(Into::into),
            role: user.role.into(),
            lead_cap: user.lead_cap,
            leads_held: user.leads_held,
            banned: user.banned,
            mpin_set: user.mpin_set,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// What a successful sign-in returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tokens {
    /// A JWT to send as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchanged at `POST /api/v1/auth/refresh` for new tokens; single use.
    pub refresh_token: String,
    /// Only after a password sign-in with `device_name`: the secret the app keeps for M-PIN
    /// sign-in on this device. Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
    pub user: UserDto,
}
