//! Calliyo's business rules, free of any framework, database or clock.
//!
//! Values that cross the boundary are parsed into newtypes here ("parse, don't validate"):
//! once you hold an [`Email`] or a [`CompanyCode`], it is valid. Rules that need the current
//! time take it as an argument so they can be tested by stepping made-up times.

mod company;
mod email;
mod error;
mod password;
mod permission;
mod person;
mod role;

pub use company::{CompanyCode, CompanyName};
pub use email::Email;
pub use error::{FieldError, Invalid};
pub use password::{Password, PasswordPolicy};
pub use permission::{Action, Permission, PermissionSet, Resource};
pub use person::PersonName;
pub use role::{DEFAULT_ROLES, DefaultRole};
