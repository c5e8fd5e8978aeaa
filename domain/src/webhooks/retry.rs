//! When a failed delivery is tried again: exponential backoff from [`FIRST_RETRY_SECONDS`],
//! doubling up to [`MAX_DELAY_SECONDS`], for as long as the event is younger than
//! [`RETRY_FOR_HOURS`]; the last try is made at that age, then the delivery gives up.
//!
//! ```text
//! attempt: 1    2     3     4     5      6      7  ...  ~30
//!          0s   +15s  +30s  +1m   +2m    +4m    +8m ... (each +1h once capped) until 24h
//! ```

use chrono::{DateTime, Duration, Utc};

/// The delay after the first failure (the contract: the first retry within 30 s).
pub const FIRST_RETRY_SECONDS: i64 = 15;
/// The longest delay between two tries.
pub const MAX_DELAY_SECONDS: i64 = 3600;
/// How long an event is retried, from when it happened.
pub const RETRY_FOR_HOURS: i64 = 24;

/// When to try again after `attempts` failed tries of an event that happened at
/// `occurred_at`, the last one ending at `now`; `None`: give up.
pub fn next_attempt_at(
    attempts: u32,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let deadline = occurred_at + Duration::hours(RETRY_FOR_HOURS);
    if now >= deadline {
        return None;
    }
    let doublings = attempts.saturating_sub(1).min(16);
    let delay = (FIRST_RETRY_SECONDS << doublings).min(MAX_DELAY_SECONDS);
    Some((now + Duration::seconds(delay)).min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::seconds(seconds)
    }

    #[test]
    fn retries_start_within_thirty_seconds_and_double() {
        let occurred = at(0);
        let delays: Vec<i64> = (1..=10)
            .map(|attempts| {
                let now = at(100);
                (next_attempt_at(attempts, occurred, now).expect("retried") - now).num_seconds()
            })
            .collect();
        assert_eq!(
            delays,
            [15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600],
            "doubling, capped at an hour"
        );
        assert!(delays[0] <= 30);
    }

    #[test]
    fn a_failing_receiver_is_tried_for_a_day_then_given_up() {
        let occurred = at(0);
        let (mut now, mut attempts) = (occurred, 1);
        while let Some(next) = next_attempt_at(attempts, occurred, now) {
            assert!(next > now, "time moves on");
            now = next;
            attempts += 1;
        }
        assert_eq!(
            now,
            occurred + Duration::hours(RETRY_FOR_HOURS),
            "the last try is made when the event is a day old"
        );
        assert_eq!(attempts, 32);
    }

    #[test]
    fn an_event_over_a_day_old_is_not_retried() {
        let occurred = at(0);
        let day = Duration::hours(RETRY_FOR_HOURS);
        assert_eq!(next_attempt_at(1, occurred, occurred + day), None);
        assert_eq!(
            next_attempt_at(1, occurred, occurred + day - Duration::seconds(5)),
            Some(occurred + day),
            "never past the deadline"
        );
        assert_eq!(next_attempt_at(u32::MAX, occurred, at(10)), Some(at(3610)));
    }
}
