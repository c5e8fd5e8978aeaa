//! Prometheus metrics: requests by route and status with latency histograms, the database
//! pool, sign-in failures and lockouts. Kept in memory per process by `prometheus-client`,
//! written in the Prometheus text exposition format (0.0.4) at `GET /metrics`.

use prometheus_client::encoding::{EncodeLabelSet, prometheus_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use domain::Secret;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The label sets. A derived set writes its fields as labels in the order declared here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SecretLabels {
    secret: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// Latency histograms are made with our buckets, not the crate's defaults.
type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    sign_in_failures: Family<SecretLabels, Counter>,
    lockouts: Family<SecretLabels, Counter>,
    pool: Family<PoolLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::default();
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        let sign_in_failures = Family::default();
        let lockouts = Family::default();
        let pool = Family::default();
        let mut registry = Registry::default();
        // The crate writes a counter's name with `_total`, a unit after the name, and a full stop
        // after the help: these are served as calliyo_http_requests_total,
        // calliyo_http_request_duration_seconds, calliyo_sign_in_failures_total,
        // calliyo_lockouts_total and calliyo_db_pool_connections.
        registry.register(
            "calliyo_http_requests",
            "Requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "calliyo_http_request_duration",
            "Time to answer, by method and route template",
            Unit::Seconds,
            latency.clone(),
        );
        registry.register(
            "calliyo_sign_in_failures",
            "Wrong secrets presented at sign-in, whether the account exists or not",
            sign_in_failures.clone(),
        );
        registry.register(
            "calliyo_lockouts",
            "Sign-in identities or M-PINs that a failure locked",
            lockouts.clone(),
        );
        registry.register(
            "calliyo_db_pool_connections",
            "Database pool connections, by state",
            pool.clone(),
        );
        let metrics = Metrics {
            registry,
            requests,
            latency,
            sign_in_failures,
            lockouts,
            pool,
        };
        // The sign-in series are there from the start, at 0, so that a rate over them or an
        // alert on them has a value before the first failure.
        for secret in ["password", "mpin"] {
            metrics
                .sign_in_failures
                .get_or_create_owned(&SecretLabels { secret });
            metrics
                .lockouts
                .get_or_create_owned(&SecretLabels { secret });
        }
        metrics
    }
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let route = RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        };
        self.latency.get_or_create(&route).observe(seconds);
        let request = RequestLabels {
            method: route.method,
            route: route.route,
            status,
        };
        self.requests.get_or_create(&request).inc();
    }

    /// Counts a wrong password or M-PIN, and the lock it caused. A wrong password at an identity
    /// that is no account is counted alike: the series must not tell which accounts exist.
    pub fn wrong_secret(&self, secret: Secret, locked: bool) {
        let secret = match secret {
            Secret::Password => "password",
            Secret::Mpin => "mpin",
        };
        let labels = SecretLabels { secret };
        self.sign_in_failures.get_or_create(&labels).inc();
        if locked {
            self.lockouts.get_or_create(&labels).inc();
        }
    }

    /// The text exposition format (version 0.0.4), with the pool as it is now.
    ///
    /// The Prometheus text format rather than the crate's OpenMetrics one: the series stay
    /// exactly those served before (OpenMetrics would write bucket bounds as `le="1.0"` where
    /// this writes `le="1"`), and every Prometheus version scrapes it.
    pub fn render(&self, (open, idle): (u32, usize)) -> Result<String, std::fmt::Error> {
        self.pool
            .get_or_create(&PoolLabels { state: "open" })
            .set(i64::from(open));
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(i64::try_from(idle).unwrap_or(i64::MAX));
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_and_bucketed() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/healthz", 200, 0.003);
        metrics.observe_request("GET", "/healthz", 200, 0.2);
        metrics.wrong_secret(Secret::Mpin, true);
        let text = metrics.render((3, 1)).unwrap();
        assert!(text.contains(
            "calliyo_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 0"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("calliyo_lockouts_total{secret=\"mpin\"} 1"));
        assert!(text.contains("calliyo_db_pool_connections{state=\"open\"} 3"));
    }

    /// Every line served, in any order: the names, help, types, labels and bucket bounds are
    /// those the hand-written exposition served, so dashboards and alerts keep working.
    #[test]
    fn the_exposition_is_the_one_served_before() {
        let metrics = Metrics::default();
        // Binary fractions, so that the sum is written exactly.
        metrics.observe_request("POST", "/api/v1/auth/login", 401, 0.0078125);
        metrics.observe_request("POST", "/api/v1/auth/login", 401, 0.5);
        metrics.wrong_secret(Secret::Password, false);
        metrics.wrong_secret(Secret::Password, true);

        let text = metrics.render((2, 1)).unwrap();

        let route = r#"method="POST",route="/api/v1/auth/login""#;
        let duration = "calliyo_http_request_duration_seconds";
        let mut expected = vec![
            "# HELP calliyo_http_requests_total Requests answered, by method, route template and status.".to_owned(),
            "# TYPE calliyo_http_requests_total counter".to_owned(),
            format!(r#"calliyo_http_requests_total{{{route},status="401"}} 2"#),
            format!("# HELP {duration} Time to answer, by method and route template."),
            format!("# TYPE {duration} histogram"),
        ];
        let cumulative = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2];
        for (bound, count) in [
            "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
            "5",
        ]
        .iter()
        .zip(cumulative)
        {
            expected.push(format!(
                r#"{duration}_bucket{{{route},le="{bound}"}} {count}"#
            ));
        }
        expected.extend([
            format!(r#"{duration}_bucket{{{route},le="+Inf"}} 2"#),
            format!("{duration}_sum{{{route}}} 0.5078125"),
            format!("{duration}_count{{{route}}} 2"),
            "# HELP calliyo_sign_in_failures_total Wrong secrets presented at sign-in, whether the account exists or not."
                .to_owned(),
            "# TYPE calliyo_sign_in_failures_total counter".to_owned(),
            r#"calliyo_sign_in_failures_total{secret="password"} 2"#.to_owned(),
            r#"calliyo_sign_in_failures_total{secret="mpin"} 0"#.to_owned(),
            "# HELP calliyo_lockouts_total Sign-in identities or M-PINs that a failure locked.".to_owned(),
            "# TYPE calliyo_lockouts_total counter".to_owned(),
            r#"calliyo_lockouts_total{secret="password"} 1"#.to_owned(),
            r#"calliyo_lockouts_total{secret="mpin"} 0"#.to_owned(),
            "# HELP calliyo_db_pool_connections Database pool connections, by state.".to_owned(),
            "# TYPE calliyo_db_pool_connections gauge".to_owned(),
            r#"calliyo_db_pool_connections{state="open"} 2"#.to_owned(),
            r#"calliyo_db_pool_connections{state="idle"} 1"#.to_owned(),
        ]);
        let mut served: Vec<&str> = text.lines().collect();
        served.sort_unstable();
        expected.sort_unstable();
        assert_eq!(served, expected, "{text}");
    }
}
