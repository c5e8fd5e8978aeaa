//! A SCIM request's attributes as the use cases take them: values parsed into the domain's
//! types (the same rules as the JSON API), and the names of departments, branches and roles
//! resolved to this company's records. The use case checks again under its lock that what a
//! name resolved to still exists.

use domain::ports::GroupKind;
use domain::queries::{GroupQueries, RoleQueries};
use domain::users::{NewUser, UserDetails, UserPatch};
use domain::{Email, EmployeeCode, Invalid, LeadCap, Name, Password, Phone, Precondition};
use uuid::Uuid;

use super::user_input::UserChanges;
use super::{ScimError, ScimType};
use crate::state::AppState;

/// The role a user created without one gets (CONTRACT.md: the default `Agent` role).
const DEFAULT_ROLE: &str = "Agent";

pub async fn new_user(
    state: &AppState,
    company_id: Uuid,
    changes: UserChanges,
) -> Result<NewUser, ScimError> {
    let email = changes
        .email
        .as_deref()
        .ok_or_else(|| invalid_value("userName is required"))?;
    let email = parsed("userName", Email::parse(email))?;
    // A provider that sends no name (the schema does not require one) gets the user called
    // by their email's local part until it sends one.
    let name = changes.full_name().unwrap_or_else(|| {
        let local = email.as_str().split('@').next().unwrap_or_default();
        local.to_owned()
    });
    let name = parsed("displayName", Name::parse(&name))?;
    let role = changes.role.as_deref().unwrap_or(DEFAULT_ROLE);
    let password = match changes.password.as_deref() {
        Some(raw) => Some(parsed(
            "password",
            Password::parse(raw, Some(&email), state.password_policy),
        )?),
        None => None,
    };
    let details = UserDetails {
        name,
        email,
        employee_code: employee_code(changes.employee_number.flatten())?,
        phone: phone(changes.phone.flatten())?,
        department_id: group_id(
            state,
            company_id,
            GroupKind::Department,
            changes.department.flatten(),
        )
        .await?,
        branch_id: group_id(
            state,
            company_id,
            GroupKind::Branch,
            changes.branch.flatten(),
        )
        .await?,
        role_id: role_id(state, company_id, role).await?,
        lead_cap: match changes.lead_cap {
            Some(cap) => parsed("leadCap", LeadCap::parse(cap))?,
            None => LeadCap::default(),
        },
        external_id: changes.external_id.flatten(),
        banned: changes.active == Some(false),
    };
    Ok(NewUser {
        details,
        password,
        mpin: None,
    })
}

pub async fn user_patch(
    state: &AppState,
    company_id: Uuid,
    changes: UserChanges,
    precondition: Precondition,
) -> Result<UserPatch, ScimError> {
    let email = match changes.email.as_deref() {
        Some(email) => Some(parsed("userName", Email::parse(email))?),
        None => None,
    };
    let name = match changes.full_name() {
        Some(name) => Some(parsed("displayName", Name::parse(&name))?),
        None => None,
    };
    let password = match changes.password.as_deref() {
        Some(raw) => Some(parsed(
            "password",
            Password::parse(raw, email.as_ref(), state.password_policy),
        )?),
        None => None,
    };
    let role_id = match changes.role.as_deref() {
        Some(role) => Some(role_id(state, company_id, role).await?),
        None => None,
    };
    let department_id = match changes.department {
        Some(name) => Some(group_id(state, company_id, GroupKind::Department, name).await?),
        None => None,
    };
    let branch_id = match changes.branch {
        Some(name) => Some(group_id(state, company_id, GroupKind::Branch, name).await?),
        None => None,
    };
    Ok(UserPatch {
        name,
        email,
        employee_code: changes.employee_number.map(employee_code).transpose()?,
        phone: changes.phone.map(phone).transpose()?,
        department_id,
        branch_id,
        role_id,
        password,
        mpin: None,
        lead_cap: match changes.lead_cap {
            Some(cap) => Some(parsed("leadCap", LeadCap::parse(cap))?),
            None => None,
        },
        external_id: changes.external_id,
        banned: changes.active.map(|active| !active),
        keep_an_admin: true,
        precondition,
    })
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, detail)
}

fn parsed<T>(attribute: &str, result: Result<T, Invalid>) -> Result<T, ScimError> {
    result.map_err(|refused| invalid_value(format!("{attribute}: {}", refused.message)))
}

fn employee_code(code: Option<String>) -> Result<Option<EmployeeCode>, ScimError> {
    code.map(|code| parsed("employeeNumber", EmployeeCode::parse(&code)))
        .transpose()
}

fn phone(number: Option<String>) -> Result<Option<Phone>, ScimError> {
    number
        .map(|number| parsed("phoneNumbers", Phone::parse(&number)))
        .transpose()
}

async fn role_id(state: &AppState, company_id: Uuid, role: &str) -> Result<Uuid, ScimError> {
    let name = parsed("role", Name::parse(role))?;
    let found = state.store.role_named(company_id, &name).await?;
    found
        .map(|found| found.id)
        .ok_or_else(|| invalid_value(format!("role: the company has no role named {role:?}")))
}

async fn group_id(
    state: &AppState,
    company_id: Uuid,
    kind: GroupKind,
    name: Option<String>,
) -> Result<Option<Uuid>, ScimError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let attribute = match kind {
        GroupKind::Department => "department",
        GroupKind::Branch => "branch",
    };
    let parsed_name = parsed(attribute, Name::parse(&name))?;
    let group = state
        .store
        .group_named(company_id, kind, &parsed_name)
        .await?;
    group.map(|group| Some(group.id)).ok_or_else(|| {
        invalid_value(format!(
            "{attribute}: the company has no {attribute} named {name:?}"
        ))
    })
}
