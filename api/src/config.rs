//! Configuration: every flag is also an environment variable. With none set, the server
//! listens on 127.0.0.1:8080 and keeps its data in `calliyo.db` in the working directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "calliyo",
    version,
    about = "Calliyo's multi-tenant call-centre CRM API"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Recovery commands for operators.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Give a user the Company Admin role and lift their ban: the way back after a company
    /// lost its last admin.
    Restore {
        /// The company's code.
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Create a company and its first Company Admin. The admin's password is read from
    /// standard input (one line).
    Create {
        #[arg(long)]
        name: String,
        /// The sign-in code; derived from the name when left out.
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        admin_name: String,
        #[arg(long)]
        admin_email: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://FILE?mode=rwc` (the embedded default) or `postgres://USER@HOST/DB`. Its value
    /// from the environment never shows in `--help`: it may carry a password.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://calliyo.db?mode=rwc",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,
    /// Connections in the database pool.
    #[arg(
        long,
        env = "CALLIYO_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,
    /// Address to listen on.
    #[arg(
        long,
        env = "CALLIYO_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,
    /// Secret that signs tokens, at least 32 bytes. Replicas must share it. Unset with
    /// SQLite: one is generated and kept beside the database file. Unset with PostgreSQL:
    /// the server refuses to start.
    #[arg(
        long,
        env = "CALLIYO_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,
    /// Key that peppers M-PINs before they are hashed, at least 32 bytes; replicas must share
    /// it. Unset with SQLite: one is generated into its own file beside the database. Unset
    /// with PostgreSQL: the server refuses to start.
    #[arg(
        long,
        env = "CALLIYO_PIN_PEPPER",
        hide_env_values = true,
        global = true
    )]
    pub pin_pepper: Option<String>,
    /// Whether `POST /api/v1/signup` is open.
    #[arg(long, env = "CALLIYO_SIGNUP", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub signup: bool,
    /// Sign-in requests (sign-up, login, M-PIN, refresh) allowed per second from one address.
    #[arg(long, env = "CALLIYO_SIGNIN_RATE", default_value_t = 30, global = true)]
    pub signin_rate: u32,
    /// How many sign-in requests one address may send at once before the rate applies.
    #[arg(
        long,
        env = "CALLIYO_SIGNIN_BURST",
        default_value_t = 60,
        global = true
    )]
    pub signin_burst: u32,
    /// CIDRs of the proxies in front of the server (comma-separated; empty = trust none).
    /// From a trusted peer, the client is the right-most `X-Forwarded-For` hop outside them.
    #[arg(
        long,
        env = "CALLIYO_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Whether this process runs the daily lead top-up (safe on every replica: each company's
    /// day runs once).
    #[arg(long, env = "CALLIYO_SCHEDULER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub scheduler: bool,
    /// Whether this process delivers webhooks (safe on every replica: each delivery is
    /// claimed by one at a time).
    #[arg(long, env = "CALLIYO_WEBHOOKS_DELIVERY", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub webhooks_delivery: bool,
    /// Lets webhooks use `http` and reach any address, loopback and private ones included:
    /// for development and tests only. Off: `https` to public addresses only.
    #[arg(long, env = "CALLIYO_WEBHOOKS_ALLOW_HTTP", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub webhooks_allow_http: bool,
    /// Seats of a new company's subscription.
    #[arg(
        long,
        env = "CALLIYO_DEFAULT_AGENT_LIMIT",
        default_value_t = 5,
        global = true
    )]
    pub default_agent_limit: u32,
    /// Access-token lifetime, in seconds.
    #[arg(
        long,
        env = "CALLIYO_ACCESS_TOKEN_TTL",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl: u32,
    /// How long an unused session (its refresh token) lives, in seconds.
    #[arg(long, env = "CALLIYO_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600, global = true)]
    pub refresh_token_ttl: u32,
    /// The longest a session lives from its sign-in, however often it is refreshed, in
    /// seconds.
    #[arg(long, env = "CALLIYO_SESSION_MAX_AGE", default_value_t = 30 * 24 * 3600, global = true)]
    pub session_max_age: u32,
    /// Minimum length of a new password.
    #[arg(
        long,
        env = "CALLIYO_PASSWORD_MIN_LENGTH",
        default_value_t = 8,
        global = true
    )]
    pub password_min_length: usize,
    /// Password hashes computed at once (default: the number of cores).
    #[arg(long, env = "CALLIYO_MAX_CONCURRENT_HASHES", global = true)]
    pub max_concurrent_hashes: Option<usize>,
    /// Largest request body, in bytes.
    #[arg(long, env = "CALLIYO_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Origins allowed by CORS, comma-separated (e.g. `https://app.calliyo.com`). Empty: no
    /// cross-origin access.
    #[arg(
        long,
        env = "CALLIYO_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// `human` (default) or `json` log lines.
    #[arg(long, env = "CALLIYO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
}

impl Config {
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The SQLite database file, when the URL names one.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// Where a generated secret is kept: beside the database file (`calliyo.db` ->
/// `calliyo.jwt-secret`).
pub fn generated_secret_path(database_file: &Path) -> PathBuf {
    database_file.with_extension("jwt-secret")
}

/// Where a generated M-PIN pepper is kept: its own file beside the database.
pub fn generated_pepper_path(database_file: &Path) -> PathBuf {
    database_file.with_extension("pin-pepper")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_locally_from_sqlite() {
        let cli = Cli::parse_from(["calliyo"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(cli.config.sqlite_file(), Some(PathBuf::from("calliyo.db")));
        assert_eq!(
            generated_secret_path(Path::new("data/calliyo.db")),
            PathBuf::from("data/calliyo.jwt-secret")
        );
    }

    #[test]
    fn postgres_urls_name_no_file() {
        let cli = Cli::parse_from([
            "calliyo",
            "--database-url",
            "postgres://localhost/x",
            "migrate",
        ]);
        assert!(!cli.config.is_sqlite());
        assert_eq!(cli.config.sqlite_file(), None);
        assert!(matches!(cli.command, Some(Command::Migrate)));
    }

    /// `--help` prints the environment's value of every other setting: these may carry a
    /// password or a key.
    #[test]
    fn help_never_shows_a_secret_from_the_environment() {
        let command = <Cli as clap::CommandFactory>::command();
        for secret in ["DATABASE_URL", "CALLIYO_JWT_SECRET", "CALLIYO_PIN_PEPPER"] {
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_env().is_some_and(|env| env == secret))
                .unwrap_or_else(|| panic!("no argument reads {secret}"));
            assert!(arg.is_hide_env_values_set(), "{secret} shows in --help");
        }
    }
}
