//! `calliyo serve` as a process of its own, configured by the same `Config` an in-process app
//! gets (passed as its environment), and waited for until `/readyz` answers.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api::Config;
use api::config::LogFormat;

use super::Error;

/// How long migrations and start-up may take before the harness gives up on a server. Not a
/// measurement: only a bound, so that a server that never gets ready fails the run.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often `/readyz` is asked while the server starts.
const READY_POLL: Duration = Duration::from_millis(50);

/// A running `calliyo serve`; killed (`kill -9`) and reaped on drop, so an early error does
/// not leave it behind holding its port and its database.
pub struct Process {
    child: Child,
    pub base: String,
    pub log_file: PathBuf,
}

impl Process {
    /// Starts `binary serve` with `config` (on a free port if its port is 0), its standard
    /// output and error in `log_file`, and waits until `/readyz` answers 200.
    pub async fn start(binary: &Path, config: &Config, log_file: PathBuf) -> Result<Self, Error> {
        let mut config = config.clone();
        if config.bind.port() == 0 {
            config.bind.set_port(free_port()?);
        }
        let log = File::create(&log_file)
            .map_err(|err| format!("creating {}: {err}", log_file.display()))?;
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for (name, value) in environment(&config) {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let child = command
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", binary.display()))?;
        let mut process = Process {
            child,
            base: format!("http://{}", config.bind),
            log_file,
        };
        process.wait_until_ready().await?;
        Ok(process)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`, and reaps it: the crash checks' way to stop a server mid-write.
    pub fn kill(&mut self) -> Result<(), Error> {
        self.child
            .kill()
            .map_err(|err| format!("kill -9 {}: {err}", self.child.id()))?;
        self.child.wait()?;
        Ok(())
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> Result<String, Error> {
        let bytes = std::fs::read(&self.log_file)
            .map_err(|err| format!("reading {}: {err}", self.log_file.display()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The one readiness wait: `/readyz` answers 200 once the database is reachable and
    /// migrated. A server that exits first fails at once, with its log named.
    async fn wait_until_ready(&mut self) -> Result<(), Error> {
        let client = reqwest::Client::new();
        let url = format!("{}/readyz", self.base);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(self.failure(&format!("the server exited ({status})")));
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(self.failure(&format!(
                    "the server was not ready within {} s",
                    START_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    fn failure(&self, what: &str) -> Error {
        format!("{what}; its log is {}", self.log_file.display()).into()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Best effort: the process may already be gone (killed by a crash check).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `calliyo` in the directory of the running executable: cargo builds every binary of the
/// workspace into the same directory.
pub fn calliyo_beside_this_executable() -> Result<PathBuf, Error> {
    Ok(std::env::current_exe()?
        .parent()
        .ok_or("this executable has no directory")?
        .join("calliyo"))
}

/// `config` as the variables `calliyo` reads it from (`None`: unset, the server's default),
/// every one of them, so nothing of the environment the checks run in leaks into a server
/// other than through `config` (which read it once, in `config::config`).
fn environment(config: &Config) -> Vec<(&'static str, Option<String>)> {
    let some = |value: &dyn ToString| Some(value.to_string());
    vec![
        ("DATABASE_URL", some(&config.database_url)),
        (
            "CALLIYO_DB_MAX_CONNECTIONS",
            some(&config.db_max_connections),
        ),
        ("CALLIYO_BIND", some(&config.bind)),
        ("CALLIYO_JWT_SECRET", config.jwt_secret.clone()),
        ("CALLIYO_PIN_PEPPER", config.pin_pepper.clone()),
        ("CALLIYO_SIGNUP", some(&config.signup)),
        ("CALLIYO_SIGNIN_RATE", some(&config.signin_rate)),
        ("CALLIYO_SIGNIN_BURST", some(&config.signin_burst)),
        (
            "CALLIYO_TRUSTED_PROXIES",
            (!config.trusted_proxies.is_empty()).then(|| {
                let nets: Vec<String> = config
                    .trusted_proxies
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
                nets.join(",")
            }),
        ),
        ("CALLIYO_SCHEDULER", some(&config.scheduler)),
        ("CALLIYO_WEBHOOKS_DELIVERY", some(&config.webhooks_delivery)),
        (
            "CALLIYO_WEBHOOKS_ALLOW_HTTP",
            some(&config.webhooks_allow_http),
        ),
        (
            "CALLIYO_DEFAULT_AGENT_LIMIT",
            some(&config.default_agent_limit),
        ),
        ("CALLIYO_ACCESS_TOKEN_TTL", some(&config.access_token_ttl)),
        ("CALLIYO_REFRESH_TOKEN_TTL", some(&config.refresh_token_ttl)),
        ("CALLIYO_SESSION_MAX_AGE", some(&config.session_max_age)),
        (
            "CALLIYO_PASSWORD_MIN_LENGTH",
            some(&config.password_min_length),
        ),
        (
            "CALLIYO_MAX_CONCURRENT_HASHES",
            config.max_concurrent_hashes.map(|n| n.to_string()),
        ),
        ("CALLIYO_MAX_BODY_BYTES", some(&config.max_body_bytes)),
        (
            "CALLIYO_CORS_ORIGINS",
            (!config.cors_origins.is_empty()).then(|| config.cors_origins.join(",")),
        ),
        (
            "CALLIYO_LOG_FORMAT",
            Some(
                match config.log_format {
                    LogFormat::Human => "human",
                    LogFormat::Json => "json",
                }
                .to_owned(),
            ),
        ),
    ]
}

/// A port nobody listens on right now. Another process could take it before the server
/// binds it; on a check machine that race is not worth a handshake.
fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use api::Cli;
    use clap::CommandFactory;

    use super::*;

    /// A flag added to `Config` must reach server processes too: every variable `calliyo`
    /// reads is set (or unset) from the configuration.
    #[test]
    fn the_environment_names_every_variable_calliyo_reads() {
        let config = crate::harness::config("sqlite::memory:").expect("config");
        let set: Vec<&str> = environment(&config).iter().map(|(name, _)| *name).collect();
        let command = Cli::command();
        let read: Vec<String> = command
            .get_arguments()
            .filter_map(|arg| arg.get_env())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        assert!(!read.is_empty());
        for name in &read {
            assert!(set.contains(&name.as_str()), "{name} is not passed on");
        }
        assert_eq!(set.len(), read.len(), "{set:?} against {read:?}");
    }
}
