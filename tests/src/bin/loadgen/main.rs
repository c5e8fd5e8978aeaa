//! `loadgen`: starts the real `calliyo` server as a process of its own, seeds a company
//! (1,000 users, 100,000 leads by default), then drives each endpoint in turn with a fixed
//! number of keep-alive connections for a fixed time and prints req/s, p50 and p99 (measured
//! at the client), each beside its ratio to `/readyz`, and the server's peak memory.
//!
//! ```sh
//! export CARGO_TARGET_DIR=/var/tmp/calliyo-target
//! cargo build --release -p api -p tests --bins
//! $CARGO_TARGET_DIR/release/loadgen                      # SQLite, a temp file
//! $CARGO_TARGET_DIR/release/loadgen --database-url postgres://postgres@127.0.0.1:5432/empty_db
//! ```
//!
//! The server inherits this process's environment (`RUST_LOG`, `CALLIYO_DB_MAX_CONNECTIONS`,
//! ...) except for what a run must control: database, address, secret, scheduler, seats and
//! the sign-in rate limit. Figures go to BENCHMARKS.md.

mod load;
mod memory;
mod report;
mod scenarios;
mod seed;
mod tenants;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use tests::bench::{self, BenchError};
use tests::harness::{self, Database, Process, database};

use crate::load::Load;
use crate::memory::RssSampler;
use crate::report::Row;
use crate::scenarios::Endpoint;
use crate::seed::Seeded;

/// How often the server's RSS is read during the load.
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(50);

#[derive(Debug, Parser)]
#[command(
    about = "Load-tests a real calliyo server process and prints req/s, p50, p99 and peak RSS."
)]
struct Args {
    /// The `calliyo` binary [default: `calliyo` beside this executable].
    #[arg(long)]
    server: Option<PathBuf>,
    /// An existing, empty database for the server [default: a temp SQLite file].
    #[arg(long, env = "BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Seconds each endpoint is measured.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load before each measurement, not counted.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Concurrent keep-alive connections, each sending its next request when answered.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Users to seed (each signs in with the harness's shared password).
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    /// Leads to seed (auto-assigned, through the batch endpoint).
    #[arg(long, default_value_t = 100_000)]
    leads: usize,
    /// More companies to create beside the measured one (each with its admin and default
    /// roles); the scheduler's passes over all of them are timed before the load.
    #[arg(long, default_value_t = 0)]
    companies: usize,
    /// Register a webhook for every event before measuring, so each change also writes its
    /// event to the outbox (the server delivers nothing): what the outbox costs.
    #[arg(long)]
    webhook: bool,
    /// The endpoints to measure, in order [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    endpoints: Vec<Endpoint>,
}

fn main() -> Result<(), BenchError> {
    let args = Args::parse();
    if args.users < args.connections {
        // Sign-ins in flight must each be on an account of its own (see `Endpoint::Login`).
        return Err("--users must be at least --connections".into());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()?
        .block_on(run(args))
}

/// Runs in a temp dir (the SQLite file, the server's log) that is removed on success and
/// kept on failure, so the server's log can be read.
async fn run(args: Args) -> Result<(), BenchError> {
    let dir = tempfile::tempdir()?;
    let result = run_in(args, dir.path()).await;
    if result.is_err() {
        eprintln!(
            "kept {} (the database, if SQLite, and server.log)",
            dir.keep().display()
        );
    }
    result
}

async fn run_in(args: Args, dir: &Path) -> Result<(), BenchError> {
    let binary = match args.server {
        Some(path) => path,
        None => harness::calliyo_beside_this_executable()?,
    };
    let database = match &args.database_url {
        Some(url) => Database::given(url),
        // In the run's directory, which is kept if the run fails.
        None => Database::given(&database::sqlite_url(dir)),
    };
    let database_url = database.url.clone();
    let mut config = harness::config(&database_url)?;
    // Every seeded user needs a seat.
    config.default_agent_limit = u32::try_from(args.users + 1)?;
    harness::config::unlimited_sign_ins(&mut config);
    // A batch of 10,000 leads is close to the default 1 MiB.
    config.max_body_bytes = 16 * 1024 * 1024;
    // The admin's token must outlive a long run (one token for every scenario).
    config.access_token_ttl = 86_400;
    let server = Process::start(&binary, &config, dir.join("server.log")).await?;
    let pid = server.pid();
    println!(
        "server: {} (pid {pid}) on {}, {}",
        binary.display(),
        bench::backend_name(&database_url),
        server.base
    );

    let seeded = seed::seed(&server.base, &database_url, args.users, args.leads).await?;
    if args.companies > 0 {
        tenants::seed_companies(&database_url, &seeded.company, args.companies).await?;
        let times = tenants::time_scheduler(&database_url).await?;
        println!(
            "scheduler over {} companies: first look {:.0} ms, a tick with none due {:.1} ms",
            args.companies + 1,
            times.first_look.as_secs_f64() * 1e3,
            times.idle_tick.as_secs_f64() * 1e3
        );
    }
    let after_seeding = memory::status_kib(pid, "VmRSS").unwrap_or_default();
    if args.webhook {
        subscribe_to_everything(&server.base, &seeded).await?;
        println!("with a webhook subscribed to every event");
    }

    let load = Load {
        connections: args.connections,
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
    };
    let endpoints = if args.endpoints.is_empty() {
        Endpoint::ALL.to_vec()
    } else {
        args.endpoints
    };
    let sampler = RssSampler::start(pid, RSS_SAMPLE_EVERY);
    let mut rows = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let scenario = endpoint.scenario(&server.base, &seeded);
        sampler.take_peak();
        let measured = load::run(&scenario, load).await?;
        println!(
            "{}: {:.0} req/s, {} errors",
            scenario.label,
            measured.per_second(),
            measured.errors
        );
        rows.push(Row {
            label: scenario.label,
            measured,
            rss_peak_kib: sampler.take_peak(),
        });
    }
    let load_peak = sampler.finish();
    let lifetime_peak = memory::status_kib(pid, "VmHWM").unwrap_or_default();

    println!();
    report::print_table(&rows, args.connections);
    println!();
    println!(
        "server RSS: {} after seeding; peak sampled during the load {} (aim <= 100 MiB); \
         VmHWM (lifetime peak, seeding included) {}",
        report::mib(after_seeding),
        report::mib(load_peak),
        report::mib(lifetime_peak)
    );
    if !rows.iter().all(|row| row.measured.errors == 0) {
        return Err(format!(
            "some requests failed; the server's log is {}",
            server.log_file.display()
        )
        .into());
    }
    Ok(())
}

/// A webhook for the whole catalogue (to a URL nothing calls: the server under load runs
/// without delivery).
async fn subscribe_to_everything(base: &str, seeded: &Seeded) -> Result<(), BenchError> {
    let events: Vec<&str> = domain::webhooks::EventType::ALL
        .iter()
        .map(|e| e.as_str())
        .collect();
    let body = serde_json::json!({"url": "https://hooks.example.com/load", "events": events});
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&seeded.company.access_token)
        .json(&body)
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::CREATED {
        return Err(format!("registering the webhook: {}", response.status()).into());
    }
    Ok(())
}
