//! A database outage under steady load (PostgreSQL): while clients keep reading and writing,
//! PostgreSQL terminates every connection the server holds, several times. Every answer must
//! be a 2xx or a 503 (never a 500), and the server must answer normally afterwards without a
//! restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tests::harness::Database;

use crate::client::{Api, Tenant};
use crate::{Error, Setup, step};

const CLIENTS: usize = 8;
const CUTS: usize = 3;
const BETWEEN_CUTS: Duration = Duration::from_secs(2);

pub async fn run(setup: &Setup) -> Result<(), Error> {
    let database = setup.fresh_database().await?;
    ensure!(
        database.is_postgres(),
        "the outage check runs on PostgreSQL"
    );
    let config = setup.config(&database)?;
    let server = setup.start(&config, "server").await?;
    let api = Api::new()?;
    let tenant = Arc::new(Tenant::sign_up(&api, &server.base, "outage").await?);

    step(&format!(
        "{CLIENTS} clients read and write while the database cuts the server off {CUTS} times"
    ));
    let running = Arc::new(AtomicBool::new(true));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (tenant, base, running) = (tenant.clone(), server.base.clone(), running.clone());
            tokio::spawn(async move { load(&tenant, &base, client, &running).await })
        })
        .collect();
    for _ in 0..CUTS {
        tokio::time::sleep(BETWEEN_CUTS).await;
        cut_connections(&database).await?;
    }
    tokio::time::sleep(BETWEEN_CUTS).await;
    running.store(false, Ordering::Relaxed);
    let mut statuses = Vec::new();
    for client in clients {
        statuses.extend(
            client
                .await
                .map_err(|err| format!("a client panicked: {err}"))??,
        );
    }

    let refused: Vec<u16> = statuses
        .iter()
        .copied()
        .filter(|s| !(200..300).contains(s) && *s != 503)
        .collect();
    let unavailable = statuses.iter().filter(|s| **s == 503).count();
    println!(
        "   {} answers: {} with 503, other non-2xx: {refused:?}",
        statuses.len(),
        unavailable
    );
    ensure!(
        refused.is_empty(),
        "answers other than 2xx and 503: {refused:?}"
    );
    let after = tenant.get(&server.base, "/api/v1/me").await?;
    ensure!(
        after.status == 200,
        "after the cuts, GET /me answered {}",
        after.status
    );
    Ok(())
}

/// Reads `/me` and renames the admin in turn until told to stop; every status it got.
async fn load(
    tenant: &Tenant,
    base: &str,
    client: usize,
    running: &AtomicBool,
) -> Result<Vec<u16>, Error> {
    let path = format!("/api/v1/users/{}", tenant.company.admin_id);
    let mut statuses = Vec::new();
    let mut n = 0usize;
    while running.load(Ordering::Relaxed) {
        let answer = if n.is_multiple_of(2) {
            tenant.get(base, "/api/v1/me").await?
        } else {
            let name = json!({"name": format!("Admin {client}-{n}")});
            tenant.send(base, Method::PATCH, &path, name).await?
        };
        statuses.push(answer.status);
        n += 1;
    }
    Ok(statuses)
}

/// Terminates every connection to the check's database, as a restart or a failover would.
async fn cut_connections(database: &Database) -> Result<(), Error> {
    let (server, name) = database
        .url
        .rsplit_once('/')
        .ok_or("a PostgreSQL URL names its database")?;
    let maintenance = Database::given(&format!("{server}/postgres"));
    let cut =
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    maintenance.execute(&cut).await
}
