//! The `calliyo` server as a process of its own, stopped when its handle drops.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tests::bench::{BenchError, JWT_SECRET};

/// How long migrations and start-up may take before the run gives up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What the server needs to know besides its database.
pub struct ServerSettings<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    /// Seats of the company the run signs up: every seeded user needs one.
    pub agent_limit: usize,
    /// Its standard output and error go here (it logs every request at the default level).
    pub log_file: PathBuf,
}

/// A running `calliyo serve`; killed (and reaped) on drop, so an early error exit does not
/// leave it behind holding the port and the database.
pub struct Server {
    child: Child,
    pub base: String,
    pub log_file: PathBuf,
}

impl Server {
    /// Starts the server on a free local port and waits until `/readyz` answers 200.
    pub async fn start(settings: ServerSettings<'_>) -> Result<Self, BenchError> {
        let port = free_port()?;
        let log = File::create(&settings.log_file)?;
        let child = Command::new(settings.binary)
            .arg("serve")
            .env("DATABASE_URL", settings.database_url)
            .env("CALLIYO_BIND", format!("127.0.0.1:{port}"))
            .env("CALLIYO_JWT_SECRET", JWT_SECRET)
            // The daily top-up would add work the run does not measure.
            .env("CALLIYO_SCHEDULER", "false")
            .env(
                "CALLIYO_DEFAULT_AGENT_LIMIT",
                settings.agent_limit.to_string(),
            )
            // Every request comes from 127.0.0.1: the per-address sign-in limit would measure
            // itself rather than the server.
            .env("CALLIYO_SIGNIN_RATE", "1000000")
            .env("CALLIYO_SIGNIN_BURST", "1000000")
            // A batch of 10,000 leads is close to the default 1 MiB.
            .env("CALLIYO_MAX_BODY_BYTES", (16 * 1024 * 1024).to_string())
            // The admin's token must outlive a long run (one token for every scenario).
            .env("CALLIYO_ACCESS_TOKEN_TTL", "86400")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", settings.binary.display()))?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log_file: settings.log_file,
        };
        server.wait_until_ready().await?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_ready(&mut self) -> Result<(), BenchError> {
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
                return Err(self.failure("the server did not become ready in 60 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn failure(&self, what: &str) -> BenchError {
        format!("{what}; its log is {}", self.log_file.display()).into()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Best effort: the process may already be gone.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now. Another process could take it before the server
/// binds it; on a benchmark machine that race is not worth a handshake.
fn free_port() -> Result<u16, BenchError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
