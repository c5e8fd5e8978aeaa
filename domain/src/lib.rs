//! Calliyo's business rules, free of any framework, database or clock.
//!
//! Values that cross the boundary are parsed into newtypes here ("parse, don't validate"):
//! once you hold an [`Email`] or a [`CompanyCode`], it is valid. Rules that need the current
//! time take it as an argument so they can be tested by stepping made-up times.

mod actor;
pub mod api_keys;
mod audit;
pub mod auth;
mod company;
mod contact;
mod email;
mod error;
pub mod groups;
pub mod idempotency;
mod lead;
pub mod leads;
pub mod lockout;
mod mpin;
mod name;
mod password;
mod permission;
pub mod ports;
pub mod queries;
mod role;
pub mod roles;
pub mod rules;
pub mod settings;
pub mod subscription;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod users;
mod version;
pub mod webhooks;

pub use actor::{Actor, ActorKind};
pub use audit::{AuditEntry, AuditTarget};
pub use company::{CompanyCode, CompanyName};
pub use contact::{EmployeeCode, LeadCap, MAX_LEAD_CAP, Phone};
pub use email::Email;
pub use error::{DomainError, FieldError, Invalid, UniqueField};
pub use lead::{
    Candidate, LeadRefusal, LeadStatus, may_receive_lead, may_take_lead, pick_assignee,
    plan_distribution,
};
pub use lockout::{Guard, Locked, Secret};
pub use mpin::Mpin;
pub use name::{Name, plain_text};
pub use password::{Password, PasswordPolicy};
pub use permission::{Action, Permission, PermissionSet, Resource, UnknownPermission};
pub use role::{DEFAULT_ROLES, DefaultRole, role_permissions};
pub use rules::RuleViolation;
pub use version::{Precondition, Version};
