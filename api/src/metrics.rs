//! Prometheus metrics: requests by route and status with latency histograms, the database
//! pool, sign-in failures and lockouts. Kept in memory per process, written in the text
//! exposition format at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// What sign-in protection counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignInEvent {
    PasswordFailure,
    MpinFailure,
    AccountLocked,
    MpinLocked,
}

impl SignInEvent {
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            SignInEvent::PasswordFailure => ("calliyo_sign_in_failures_total", "password"),
            SignInEvent::MpinFailure => ("calliyo_sign_in_failures_total", "mpin"),
            SignInEvent::AccountLocked => ("calliyo_lockouts_total", "password"),
            SignInEvent::MpinLocked => ("calliyo_lockouts_total", "mpin"),
        }
    }
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Counters {
    /// (method, route, status) -> requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) -> latency.
    latency: BTreeMap<(String, String), Histogram>,
    sign_in: BTreeMap<SignInEvent, u64>,
}

#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut counters = self.counters();
        *counters
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = counters
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    pub fn sign_in(&self, event: SignInEvent) {
        *self.counters().sign_in.entry(event).or_default() += 1;
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, pool: (u32, usize)) -> String {
        let counters = self.counters();
        let mut out = String::new();
        out.push_str("# HELP calliyo_http_requests_total Requests answered, by method, route template and status.\n");
        out.push_str("# TYPE calliyo_http_requests_total counter\n");
        for ((method, route, status), count) in &counters.requests {
            let _ = writeln!(
                out,
                "calliyo_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP calliyo_http_request_duration_seconds Time to answer, by method and route template.\n");
        out.push_str("# TYPE calliyo_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &counters.latency {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
                let _ = writeln!(
                    out,
                    "calliyo_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "calliyo_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "calliyo_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "calliyo_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out.push_str(
            "# HELP calliyo_sign_in_failures_total Wrong secrets presented for known accounts.\n",
        );
        out.push_str("# TYPE calliyo_sign_in_failures_total counter\n");
        out.push_str("# HELP calliyo_lockouts_total Accounts or M-PINs that a failure locked.\n");
        out.push_str("# TYPE calliyo_lockouts_total counter\n");
        for event in [
            SignInEvent::PasswordFailure,
            SignInEvent::MpinFailure,
            SignInEvent::AccountLocked,
            SignInEvent::MpinLocked,
        ] {
            let (name, secret) = event.labels();
            let count = counters.sign_in.get(&event).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}{{secret=\"{secret}\"}} {count}");
        }
        let (open, idle) = pool;
        out.push_str("# HELP calliyo_db_pool_connections Database pool connections, by state.\n");
        out.push_str("# TYPE calliyo_db_pool_connections gauge\n");
        let _ = writeln!(out, "calliyo_db_pool_connections{{state=\"open\"}} {open}");
        let _ = writeln!(out, "calliyo_db_pool_connections{{state=\"idle\"}} {idle}");
        out
    }
}

/// Middleware: times every request and counts it under its route template
/// (`/api/v1/users/{id}`, never the raw path, so ids do not explode the label set).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let status = response.status().as_u16();
        state
            .metrics
            .observe_request(&method, &route, status, started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Prometheus metrics of this process.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4.", body = String, content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.store.pool_stats()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_and_bucketed() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/healthz", 200, 0.003);
        metrics.observe_request("GET", "/healthz", 200, 0.2);
        metrics.sign_in(SignInEvent::MpinLocked);
        let text = metrics.render((3, 1));
        assert!(text.contains(
            "calliyo_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 0"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("calliyo_lockouts_total{secret=\"mpin\"} 1"));
        assert!(text.contains("calliyo_db_pool_connections{state=\"open\"} 3"));
    }
}
