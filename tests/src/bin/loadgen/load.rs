//! Closed-loop load: a fixed number of connections, each sending its next request as soon as
//! the previous one is answered, for a fixed time; latency measured at the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tests::bench::BenchError;
use tokio::task::JoinSet;

/// Builds request number `n`. Numbers run `connection + round * connections`, so the requests
/// in flight at any moment have consecutive numbers: a scenario that picks a user by `n`
/// (sign-in, say) never has two of them on one user while there are more users than
/// connections.
pub type MakeRequest = dyn Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync;

/// One endpoint under load.
pub struct Scenario {
    pub label: &'static str,
    pub expected_status: u16,
    /// Text an answer must not contain to count as a success (a lead that was not
    /// auto-assigned answers `"assignee":null`).
    pub refused_body: Option<&'static str>,
    pub request: Arc<MakeRequest>,
}

/// How long, and how hard.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub connections: usize,
    /// Requests before this is over are sent but not counted: connections are opened and the
    /// server's caches and pool warmed.
    pub warmup: Duration,
    pub duration: Duration,
}

/// What one scenario measured: requests that started after the warm-up and were answered
/// before the end.
pub struct Measured {
    pub ok: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub seconds: f64,
    /// Latencies of the successful requests, sorted.
    latencies: Vec<Duration>,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    /// The `p`-quantile latency (0.5, 0.99), or zero when nothing succeeded.
    pub fn percentile(&self, p: f64) -> Duration {
        let at = ((self.latencies.len() as f64 * p) as usize)
            .min(self.latencies.len().saturating_sub(1));
        self.latencies.get(at).copied().unwrap_or_default()
    }
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    errors: usize,
    first_error: Option<String>,
    latencies: Vec<Duration>,
}

pub async fn run(scenario: &Scenario, load: Load) -> Result<Measured, BenchError> {
    let start = Instant::now();
    let counted_from = start + load.warmup;
    let end = counted_from + load.duration;
    let mut connections = JoinSet::new();
    for connection in 0..load.connections {
        // A client per connection, keeping at most one idle connection: exactly
        // `connections` keep-alive connections, each used by one request at a time.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let request = scenario.request.clone();
        let (expected, refused) = (scenario.expected_status, scenario.refused_body);
        let stride = load.connections;
        connections.spawn(async move {
            let mut tally = Tally::default();
            for round in 0.. {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let outcome = send(
                    request(&client, connection + round * stride),
                    expected,
                    refused,
                )
                .await;
                let answered = Instant::now();
                if sent < counted_from || answered > end {
                    continue;
                }
                match outcome {
                    Ok(()) => tally.latencies.push(answered - sent),
                    Err(error) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert(error);
                    }
                }
            }
            tally
        });
    }
    let mut measured = Measured {
        ok: 0,
        errors: 0,
        first_error: None,
        seconds: load.duration.as_secs_f64(),
        latencies: Vec::new(),
    };
    while let Some(tally) = connections.join_next().await {
        let tally = tally?;
        measured.errors += tally.errors;
        if measured.first_error.is_none() {
            measured.first_error = tally.first_error;
        }
        measured.latencies.extend(tally.latencies);
    }
    measured.ok = measured.latencies.len();
    measured.latencies.sort_unstable();
    Ok(measured)
}

/// Sends one request and reads the whole answer; `Err` says what was wrong with it.
async fn send(
    request: reqwest::RequestBuilder,
    expected: u16,
    refused: Option<&str>,
) -> Result<(), String> {
    let response = request.send().await.map_err(|err| err.to_string())?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|err| err.to_string())?;
    if status != expected {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    if let Some(refused) = refused
        && body.windows(refused.len()).any(|w| w == refused.as_bytes())
    {
        return Err(format!("answer contains {refused}"));
    }
    Ok(())
}
