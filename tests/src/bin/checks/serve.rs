//! A server for a tool that is not Rust (the schemathesis fuzzer): the harness starts it, so
//! the fuzzer's server has the same environment and readiness wait as every other.

use std::io::Read;
use std::path::PathBuf;

use serde_json::json;
use tests::harness;
use tokio::signal::unix::{SignalKind, signal};
use uuid::Uuid;

use crate::client::Api;
use crate::{Error, Setup};

pub async fn run(setup: &Setup, codes: &[String], log_file: Option<PathBuf>) -> Result<(), Error> {
    let database = setup.fresh_database().await?;
    let mut config = setup.config(&database)?;
    // Room for every user the fuzzer creates.
    config.default_agent_limit = 1_000;
    // A secret of this run alone: nothing signed by an earlier run is accepted.
    config.jwt_secret = Some(format!(
        "{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    ));
    let server = match log_file {
        Some(path) => harness::Process::start(&setup.binary, &config, path).await?,
        None => setup.start(&config, "server").await?,
    };
    let api = Api::new()?;
    let mut companies = Vec::new();
    for code in codes {
        // Random per run, so a password the fuzzer learned cannot carry over.
        let password = format!("fuzz-{}", Uuid::new_v4().simple());
        let company = harness::sign_up(api.client(), &server.base, code, &password).await?;
        companies.push(json!({"code": company.code, "email": company.admin_email,
                              "password": company.admin_password, "token": company.access_token}));
    }
    // The one line a caller reads: everything it needs to reach the server as each admin.
    println!("{}", json!({"base": server.base, "companies": companies}));
    until_told_to_stop().await?;
    // The server is killed, then the database dropped (declared before it, dropped after).
    drop(server);
    Ok(())
}

/// Waits for SIGTERM, SIGINT or the end of standard input: whichever way the caller ends,
/// even by dying (its end of the pipe closes), the server and its database go with it.
async fn until_told_to_stop() -> Result<(), Error> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let (closed, stdin_closed) = tokio::sync::oneshot::channel();
    // A plain thread, not the runtime's blocking pool: the runtime would wait for a read
    // that may never end when it shuts down.
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = closed.send(());
    });
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
        _ = stdin_closed => {}
    }
    Ok(())
}
