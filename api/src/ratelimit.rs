//! A per-address rate limit for the sign-in endpoints, keyed by the client's address (see
//! `client_address`: behind trusted proxies, the forwarded one; an IPv6 client by its /64).
//! It is per process: behind a load balancer each replica allows the configured rate, which
//! bounds a flood without a shared store; the lockouts, which must be exact, live in the
//! database.
//!
//! The limiting itself is `governor`'s GCRA (equivalent to a token bucket that starts full),
//! one state per address in a concurrent map.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// How many addresses are remembered before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

pub struct SignInLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInLimiter {
    /// `per_second` requests on average, up to `burst` at once, per address (each at least 1).
    pub fn new(per_second: u32, burst: u32) -> Self {
        let at_least_one = |n| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(at_least_one(per_second)).allow_burst(at_least_one(burst));
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// 429 `rate_limited` with `Retry-After` once the address (an IPv6 one: its /64) has used
    /// its allowance.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = ip.map(bucket) else {
            return Ok(());
        };
        // The map holds one state per address ever seen: past the bound, forget those whose
        // allowance has refilled completely (they are indistinguishable from a new address),
        // and give the freed capacity back.
        if self.limiter.len() >= MAX_TRACKED {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            // Whole seconds, rounded up: a client that waits as told finds a request allowed.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after: seconds.max(1),
            }
        })
    }
}

/// The rate limit's key for an address: an IPv6 client counts as its whole /64 (one host is
/// routinely given a /64 and may rotate through it at will); an IPv4 client as itself.
fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn an_address_gets_its_burst_then_a_retry_after_of_at_least_a_second() {
        let limiter = SignInLimiter::new(1, 3);
        for _ in 0..3 {
            assert!(limiter.check(ip("192.0.2.1")).is_ok());
        }
        assert!(matches!(
            limiter.check(ip("192.0.2.1")),
            Err(ApiError::RateLimited { retry_after: 1 })
        ));
    }

    #[test]
    fn addresses_have_separate_allowances() {
        let limiter = SignInLimiter::new(1, 1);
        assert!(limiter.check(ip("127.0.0.1")).is_ok());
        assert!(limiter.check(ip("127.0.0.1")).is_err());
        assert!(limiter.check(ip("127.0.0.2")).is_ok());
    }

    #[test]
    fn ipv6_addresses_in_one_64_share_an_allowance() {
        let limiter = SignInLimiter::new(1, 1);
        assert!(limiter.check(ip("2001:db8:1:2::1")).is_ok());
        assert!(
            limiter.check(ip("2001:db8:1:2:ffff:ffff:ffff:9")).is_err(),
            "same /64"
        );
        assert!(
            limiter.check(ip("2001:db8:1:3::1")).is_ok(),
            "the next /64 is another client"
        );
    }

    #[test]
    fn a_request_without_an_address_is_not_limited() {
        let limiter = SignInLimiter::new(1, 1);
        for _ in 0..3 {
            assert!(limiter.check(None).is_ok());
        }
    }

    #[test]
    fn past_the_bound_addresses_with_a_full_allowance_are_forgotten() {
        // One request per microsecond: each address's allowance refills long before the
        // loop below is done with the others.
        let limiter = SignInLimiter::new(1_000_000, 1);
        for n in 0..u32::try_from(MAX_TRACKED).unwrap() {
            assert!(limiter.check(Some(IpAddr::from(n.to_be_bytes()))).is_ok());
        }
        assert_eq!(limiter.limiter.len(), MAX_TRACKED);

        assert!(limiter.check(ip("198.51.100.7")).is_ok());

        assert!(
            limiter.limiter.len() < MAX_TRACKED / 2,
            "{} addresses tracked",
            limiter.limiter.len()
        );
    }

    #[test]
    fn an_ipv6_client_is_bucketed_by_its_64() {
        assert_eq!(
            bucket(address("2001:db8:1:2:aaaa::1")),
            bucket(address("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            bucket(address("2001:db8:1:2::1")),
            bucket(address("2001:db8:1:3::1"))
        );
        assert_eq!(bucket(address("::ffff:192.0.2.1")), address("192.0.2.1"));
        assert_eq!(bucket(address("192.0.2.1")), address("192.0.2.1"));
    }

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }
}
