//! Black-box tests of the HTTP API: each test spawns the real app on a fresh database.
//! Set `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/calliyo_test` to run them on
//! PostgreSQL, `TEST_LOG=1` to see the app's logs.

// A failed unwrap is a failed test, which is what a test should do.
#![allow(clippy::unwrap_used)]

mod helpers;

mod api_keys;
mod audit;
mod cli;
mod credentials;
mod devices;
mod errors;
mod etags;
mod fuzz_findings;
mod groups;
mod idempotency;
mod invariants;
mod leads;
mod lockout;
mod login;
mod me;
mod me_secrets;
mod migrations;
mod mpin;
mod operations;
mod outage;
mod proxies;
mod replicas;
mod roles;
mod scim;
mod sessions;
mod signup;
mod subscription;
mod users;
mod webhooks;
