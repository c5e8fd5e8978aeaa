//! Black-box tests of the HTTP API: each test spawns the real app on a fresh database.
//! Set `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/calliyo_test` to run them on
//! PostgreSQL, `TEST_LOG=1` to see the app's logs.

mod helpers;

mod errors;
mod login;
mod me;
mod migrations;
mod operations;
mod sessions;
mod signup;
