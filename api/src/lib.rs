//! Calliyo's HTTP API: actix-web routes over the domain rules and the store.

pub mod actor;
pub mod cli;
pub mod client_address;
pub mod conditional;
pub mod config;
pub mod dto;
pub mod error;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod ratelimit;
pub mod routes;
pub mod scheduler;
pub mod schema_rules;
pub mod scim;
mod secret;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod validation;
pub mod webhooks;

pub use config::{Cli, Config};
pub use startup::Application;
