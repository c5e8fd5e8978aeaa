//! SeaORM entities, one per table of the migrations. Relations are not declared: queries
//! join explicitly, always on `company_id` as well as the id.

pub mod api_key;
pub mod audit_event;
pub mod branch;
pub mod company;
pub mod company_settings;
pub mod department;
pub mod device;
pub mod idempotency_key;
pub mod job_run;
pub mod lead;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod sign_in_guard;
pub mod subscription;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
pub mod webhook_event;
pub mod webhook_subscription;
