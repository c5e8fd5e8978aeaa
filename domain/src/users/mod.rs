//! Users of a company: the use cases that create, change, ban and delete them, each one
//! transaction of load -> rule -> write over the [`ports`](crate::ports).

mod create;
mod delete;
mod load;
mod own;
#[cfg(test)]
mod tests;
mod update;

use uuid::Uuid;

pub use create::create_user;
pub use delete::delete_user;
pub use own::{OwnPasswordChange, change_own_mpin, change_own_password};
pub use update::update_user;
pub(crate) use update::{UserChangeTx, move_into_role};

use crate::{Email, EmployeeCode, LeadCap, Mpin, Name, Password, Phone, Precondition, Version};

/// What an admin fills in for a user, secrets aside.
#[derive(Debug, Clone)]
pub struct UserDetails {
    pub name: Name,
    pub email: Email,
    pub employee_code: Option<EmployeeCode>,
    pub phone: Option<Phone>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    pub lead_cap: LeadCap,
    /// The identity provider's id for the user (SCIM `externalId`), kept as sent.
    pub external_id: Option<String>,
    /// Created banned: a provider may provision a deactivated account (SCIM `active: false`).
    pub banned: bool,
}

/// What a user created without a password stores as its password hash. It is no PHC
/// string, so no candidate ever matches it; the hasher verifies a sign-in for such a user
/// against its dummy hash instead, so the answer costs what a wrong password costs.
pub const NO_PASSWORD: &str = "!";

/// A user to create, with the secrets as typed.
#[derive(Clone)]
pub struct NewUser {
    pub details: UserDetails,
    /// `None`: no password yet (a provisioned user whose provider sets none).
    pub password: Option<Password>,
    pub mpin: Option<Mpin>,
}

/// A user to store, with the secrets hashed.
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub details: UserDetails,
    pub password_hash: String,
    pub mpin_hash: Option<String>,
}

/// A stored user, as the rules of a change read it. Its text fields were parsed when they
/// were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    pub lead_cap: i32,
    pub external_id: Option<String>,
    pub banned: bool,
    /// Raised by the store with every write of the user.
    pub version: Version,
}

/// New secrets to store with a change, hashed; `None` keeps the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSecrets {
    pub password_hash: Option<String>,
    pub mpin_hash: Option<String>,
}

/// A partial change: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Clone, Default)]
pub struct UserPatch {
    pub name: Option<Name>,
    pub email: Option<Email>,
    pub employee_code: Option<Option<EmployeeCode>>,
    pub phone: Option<Option<Phone>>,
    pub department_id: Option<Option<Uuid>>,
    pub branch_id: Option<Option<Uuid>>,
    pub role_id: Option<Uuid>,
    /// An admin reset: signs the user out everywhere and lifts the password lockout.
    pub password: Option<Password>,
    /// An admin reset: signs the user out everywhere and lifts the M-PIN lockout.
    pub mpin: Option<Mpin>,
    pub lead_cap: Option<LeadCap>,
    pub external_id: Option<Option<String>>,
    /// `true` bans, `false` unbans.
    pub banned: Option<bool>,
    /// Refuses a role change that takes the last active Company Admin out of the role (409
    /// `last_admin`). The JSON API allows that change (the product always has; `calliyo admin
    /// restore` is the way back); provisioning (SCIM) sets this: an identity provider's sync
    /// must never leave a company without an admin.
    pub keep_an_admin: bool,
    /// The versions the patch may apply to (`If-Match`).
    pub precondition: Precondition,
}

impl UserPatch {
    /// Whether the patch changes only the user's own fields (contact, code, cap, secrets):
    /// no role, group or ban, which the last-admin rule or another record is part of. Such a
    /// change needs the user's lock alone, not the company's.
    pub(crate) fn is_the_users_own(&self) -> bool {
        self.role_id.is_none()
            && self.banned.is_none()
            && self.department_id.is_none()
            && self.branch_id.is_none()
    }
}

impl UserRecord {
    /// The user after `patch` (secrets aside), and the names of the fields whose value
    /// actually changed, in a fixed order.
    pub fn patched(&self, patch: &UserPatch) -> (UserRecord, Vec<&'static str>) {
        let mut after = self.clone();
        let mut changes = Vec::new();
        let mut set = |slot_changed: bool, name: &'static str| {
            if slot_changed {
                changes.push(name);
            }
        };
        set(
            assign(
                &mut after.name,
                patch.name.as_ref().map(|n| n.as_str().to_owned()),
            ),
            "name",
        );
        set(
            assign(
                &mut after.email,
                patch.email.as_ref().map(|e| e.as_str().to_owned()),
            ),
            "email",
        );
        set(
            assign(
                &mut after.employee_code,
                patch
                    .employee_code
                    .as_ref()
                    .map(|c| c.as_ref().map(|c| c.as_str().to_owned())),
            ),
            "employee_code",
        );
        set(
            assign(
                &mut after.phone,
                patch
                    .phone
                    .as_ref()
                    .map(|p| p.as_ref().map(|p| p.as_str().to_owned())),
            ),
            "phone",
        );
        set(
            assign(&mut after.department_id, patch.department_id),
            "department_id",
        );
        set(assign(&mut after.branch_id, patch.branch_id), "branch_id");
        set(assign(&mut after.role_id, patch.role_id), "role_id");
        set(
            assign(&mut after.lead_cap, patch.lead_cap.map(LeadCap::get)),
            "lead_cap",
        );
        set(
            assign(&mut after.external_id, patch.external_id.clone()),
            "external_id",
        );
        set(assign(&mut after.banned, patch.banned), "banned");
        (after, changes)
    }
}

/// Sets `slot` to `value` when one is given; true when that changed it.
fn assign<T: PartialEq>(slot: &mut T, value: Option<T>) -> bool {
    match value {
        Some(value) if *slot != value => {
            *slot = value;
            true
        }
        _ => false,
    }
}
