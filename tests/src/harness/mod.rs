//! The one harness that starts things for every check: a fresh database, the server's
//! configuration, the app in this process or `calliyo serve` as a process of its own, and a
//! signed-up company. The HTTP suite, the benchmarks, `loadgen` and the `checks` binary
//! (replicas, crashes, the fuzzer's server) all start servers through here, so a server's
//! environment and its readiness wait are written once.

pub mod app;
pub mod company;
pub mod config;
pub mod database;
pub mod process;
pub mod receiver;

pub use app::start_in_process;
pub use company::{Company, PASSWORD, role_id, sign_up};
pub use config::{JWT_SECRET, PIN_PEPPER, config};
pub use database::Database;
pub use process::{Process, calliyo_beside_this_executable};
pub use receiver::{Received, Receiver};

/// What a harness step returns when it fails: a message with the context of what was tried.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
