//! `checks`: what cannot be checked inside one process, on real `calliyo serve` processes
//! started by the harness, each on a fresh database it makes and drops.
//!
//! ```sh
//! cargo build -p api --bin calliyo -p tests --bin checks
//! $CARGO_TARGET_DIR/debug/checks replicas postgres   # two replicas on one database
//! $CARGO_TARGET_DIR/debug/checks crash sqlite        # kill -9 mid-write, then restart
//! $CARGO_TARGET_DIR/debug/checks outage postgres     # connections cut under load: no 500
//! $CARGO_TARGET_DIR/debug/checks webhooks postgres   # 1,000 events over two replicas, kill -9
//! $CARGO_TARGET_DIR/debug/checks serve postgres --company a --company b   # for fuzzing
//! ```
//!
//! PostgreSQL is the server at `PG_HOST`:`PG_PORT` (default 127.0.0.1:5432), user postgres.
//! On a failure the last lines of every server's log are printed.

/// Fails the check with a message unless `condition` holds.
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

mod client;
mod crash;
mod outage;
mod replicas;
mod serve;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use api::Config;
use api::config::LogFormat;
use clap::{Parser, Subcommand, ValueEnum};
use tests::harness::{self, Database, Process};

pub use tests::harness::Error;

#[derive(Debug, Parser)]
#[command(about = "Process-level checks of calliyo: replicas, crashes, and a server to fuzz.")]
struct Args {
    /// The `calliyo` binary [default: `calliyo` beside this executable].
    #[arg(long, global = true)]
    server: Option<PathBuf>,
    /// The PostgreSQL server's host.
    #[arg(long, env = "PG_HOST", default_value = "127.0.0.1", global = true)]
    pg_host: String,
    #[arg(long, env = "PG_PORT", default_value_t = 5432, global = true)]
    pg_port: u16,
    #[command(subcommand)]
    check: Check,
}

#[derive(Debug, Subcommand)]
enum Check {
    /// Two replicas on one database: seats, the last admin, lead caps, lockouts and the
    /// daily top-up hold when racing requests are split between them.
    Replicas { backend: Backend },
    /// `kill -9` in the middle of a 10,000-lead batch and of a distribution run: each is
    /// found fully applied or not at all after a restart.
    Crash { backend: Backend },
    /// PostgreSQL terminates the server's connections several times under steady load:
    /// only 2xx and 503 answers, and normal service afterwards.
    Outage { backend: Backend },
    /// Two replicas deliver 1,000 events to a local receiver, none lost or sent twice;
    /// `kill -9` with sends in flight, and every committed event still arrives.
    Webhooks { backend: Backend },
    /// A server for a tool outside Rust (the schemathesis fuzzer): a fresh database, `calliyo
    /// serve`, and the companies asked for, signed up. Prints one JSON line (`base`, and each
    /// company's `code`, `email`, `password`, `token`), then serves until SIGTERM, SIGINT or
    /// the end of standard input, and removes what it made.
    Serve {
        backend: Backend,
        /// Sign up a company with this code (repeatable); each admin gets a random password.
        #[arg(long = "company")]
        companies: Vec<String>,
        /// Where the server's log goes [default: a temp file, removed on exit].
        #[arg(long)]
        log_file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

/// What every check starts servers with: the binary, where their logs go, and how to make a
/// fresh database.
pub struct Setup {
    pub binary: PathBuf,
    log_dir: PathBuf,
    postgres_server: String,
    backend: Backend,
}

impl Setup {
    /// A fresh, empty database of the check's backend, dropped with its handle.
    pub async fn fresh_database(&self) -> Result<Database, Error> {
        match self.backend {
            Backend::Sqlite => Database::sqlite(),
            Backend::Postgres => Database::postgres(&self.postgres_server).await,
        }
    }

    /// The harness's configuration as the checks run it: five seats, no sign-in limit (the
    /// checks race many sign-ins from one address on purpose), JSON logs (the top-up check
    /// reads them).
    pub fn config(&self, database: &Database) -> Result<Config, Error> {
        let mut config = harness::config(&database.url)?;
        config.default_agent_limit = 5;
        harness::config::unlimited_sign_ins(&mut config);
        config.log_format = LogFormat::Json;
        Ok(config)
    }

    /// `calliyo serve` with `config`, logging to `<name>.log` beside the other servers' logs.
    pub async fn start(&self, config: &Config, name: &str) -> Result<Process, Error> {
        let log_file = self.log_dir.join(format!("{name}.log"));
        Process::start(&self.binary, config, log_file).await
    }
}

/// One line per step of a check, as it starts.
pub fn step(text: &str) {
    println!("-- {text}");
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log_dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("FAILED: a temp dir for the servers' logs: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::from)
        .and_then(|runtime| runtime.block_on(run(args, log_dir.path())));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            print_log_tails(log_dir.path());
            eprintln!("\nFAILED: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args, log_dir: &Path) -> Result<(), Error> {
    let binary = match args.server {
        Some(path) => path,
        None => harness::calliyo_beside_this_executable()?,
    };
    let setup = |backend| Setup {
        binary: binary.clone(),
        log_dir: log_dir.to_owned(),
        postgres_server: format!("postgres://postgres@{}:{}", args.pg_host, args.pg_port),
        backend,
    };
    match args.check {
        Check::Replicas { backend } => replicas::run(&setup(backend)).await?,
        Check::Crash { backend } => crash::run(&setup(backend)).await?,
        Check::Outage { backend } => outage::run(&setup(backend)).await?,
        Check::Webhooks { backend } => webhooks::run(&setup(backend)).await?,
        Check::Serve {
            backend,
            companies,
            log_file,
        } => return serve::run(&setup(backend), &companies, log_file).await,
    }
    println!("passed");
    Ok(())
}

/// The last 4,000 characters of every server's log: what a failed check needs to be read.
fn print_log_tails(log_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(log_dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let log = String::from_utf8_lossy(&bytes);
        let tail = log
            .char_indices()
            .rev()
            .nth(3_999)
            .map_or(&*log, |(start, _)| &log[start..]);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        eprintln!("\n--- last lines of {name}:\n{tail}");
    }
}
