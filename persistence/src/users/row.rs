//! A user's row: the columns derived from its fields, and its mapping to the domain record.

use chrono::{DateTime, Utc};
use domain::users::{NewUserRecord, UserRecord};
use domain::{EmployeeCode, Phone, Version};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::entity::user;

/// A new user's row: the one place that fills in derived columns (sort key, search text)
/// and the defaults of the state a user starts with (no lockouts, no leads).
pub(crate) fn new_user_row(
    company_id: Uuid,
    id: Uuid,
    new: NewUserRecord,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    let details = new.details;
    let name = details.name.into_inner();
    let email = details.email.into_inner();
    let employee_code = details.employee_code.map(EmployeeCode::into_inner);
    let phone = details.phone.map(Phone::into_inner);
    let keys = SearchKeys::of(&name, &email, phone.as_deref(), employee_code.as_deref());
    user::ActiveModel {
        company_id: Set(company_id),
        id: Set(id),
        name: Set(name),
        name_key: Set(keys.name_key),
        search_text: Set(keys.search_text),
        email: Set(email),
        employee_code: Set(employee_code),
        phone: Set(phone),
        department_id: Set(details.department_id),
        branch_id: Set(details.branch_id),
        role_id: Set(details.role_id),
        external_id: Set(details.external_id),
        banned: Set(details.banned),
        password_hash: Set(new.password_hash),
        mpin_hash: Set(new.mpin_hash),
        lead_cap: Set(details.lead_cap.get()),
        failed_logins: Set(0),
        locked_until: Set(None),
        last_failed_login_at: Set(None),
        failed_mpins: Set(0),
        leads_held: Set(0),
        last_assigned_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

/// The fields of a user a change may write, with the columns derived from them.
pub(super) fn changed_row(user: &UserRecord, now: DateTime<Utc>) -> user::ActiveModel {
    let keys = SearchKeys::of(
        &user.name,
        &user.email,
        user.phone.as_deref(),
        user.employee_code.as_deref(),
    );
    user::ActiveModel {
        name: Set(user.name.clone()),
        name_key: Set(keys.name_key),
        search_text: Set(keys.search_text),
        email: Set(user.email.clone()),
        employee_code: Set(user.employee_code.clone()),
        phone: Set(user.phone.clone()),
        department_id: Set(user.department_id),
        branch_id: Set(user.branch_id),
        role_id: Set(user.role_id),
        external_id: Set(user.external_id.clone()),
        lead_cap: Set(user.lead_cap),
        banned: Set(user.banned),
        updated_at: Set(now),
        ..Default::default()
    }
}

impl From<user::Model> for UserRecord {
    fn from(row: user::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            email: row.email,
            employee_code: row.employee_code,
            phone: row.phone,
            department_id: row.department_id,
            branch_id: row.branch_id,
            role_id: row.role_id,
            lead_cap: row.lead_cap,
            external_id: row.external_id,
            banned: row.banned,
            version: Version(row.version),
        }
    }
}

/// The columns derived from a user's searchable fields.
struct SearchKeys {
    name_key: String,
    search_text: String,
}

impl SearchKeys {
    /// Fields are joined by a unit separator (U+001F), which no parsed field contains, so a
    /// search never matches across two fields.
    fn of(name: &str, email: &str, phone: Option<&str>, employee_code: Option<&str>) -> Self {
        let fields = [Some(name), Some(email), phone, employee_code];
        let search_text = fields
            .iter()
            .flatten()
            .map(|f| f.to_lowercase())
            .collect::<Vec<_>>()
            .join("\u{1f}");
        Self {
            name_key: name.to_lowercase(),
            search_text,
        }
    }
}
