//! A per-address token bucket for the sign-in endpoints, keyed by the client's address (see
//! `client_address`: behind trusted proxies, the forwarded one; an IPv6 client by its /64).
//! It is per process: behind a load balancer each replica allows the configured rate, which
//! bounds a flood without a shared store; the lockouts, which must be exact, live in the
//! database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::ApiError;

/// How many addresses are remembered before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

pub struct SignInLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// Refills for the time passed, then takes a token, or says how long until one is due.
    fn take(&mut self, now: Instant, per_second: f64, burst: f64) -> Result<(), f64> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / per_second)
        }
    }
}

impl SignInLimiter {
    /// `per_second` requests on average, up to `burst` at once, per address.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// 429 `rate_limited` with `Retry-After` once the address (an IPv6 one: its /64) has used
    /// its allowance.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = ip.map(crate::client_address::bucket) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * per_second
                    < burst
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        bucket
            .take(now, self.per_second, self.burst)
            .map_err(|wait| ApiError::RateLimited {
                retry_after: (wait.ceil() as u64).max(1),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let start = Instant::now();
        let mut bucket = Bucket {
            tokens: 3.0,
            updated: start,
        };
        for _ in 0..3 {
            assert!(bucket.take(start, 2.0, 3.0).is_ok());
        }
        let wait = bucket.take(start, 2.0, 3.0).unwrap_err();
        assert!((wait - 0.5).abs() < 1e-9, "{wait}");
        assert!(
            bucket
                .take(start + Duration::from_millis(500), 2.0, 3.0)
                .is_ok()
        );
        assert!(
            bucket
                .take(start + Duration::from_secs(60), 2.0, 3.0)
                .is_ok(),
            "refills up to the burst"
        );
        assert!(bucket.tokens <= 2.0);
    }

    #[test]
    fn addresses_have_separate_allowances() {
        let limiter = SignInLimiter::new(1, 1);
        let (a, b) = ("127.0.0.1".parse().ok(), "127.0.0.2".parse().ok());
        assert!(limiter.check(a).is_ok());
        assert!(matches!(
            limiter.check(a),
            Err(ApiError::RateLimited { retry_after: 1 })
        ));
        assert!(limiter.check(b).is_ok());
    }
}
