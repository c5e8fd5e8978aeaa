//! Sign-in lockouts as pure state machines: the clock is an argument, so tests step made-up
//! times instead of sleeping.
//!
//! An attempt is *charged* before its secret is checked, as if it were going to fail; a
//! success then clears the state. Charging first is what makes the count atomic: the store
//! charges inside a locked row, so 20 concurrent guesses can never all be evaluated before
//! the lock lands.
//!
//! Password (time-based, never permanent):
//!
//! ```text
//!                 charge (n+1 < 5)                charge (n+1 >= 5): lock for
//!   +-----------+ ----------------> +-----------+ ---------------------------> +-----------------+
//!   | open, n=0 |                   | open, n   |   60 s * 2^(n+1-5), max 15 m | locked until t  |
//!   +-----------+ <---------------- +-----------+ <--------------------------- +-----------------+
//!        ^          success: reset        ^           now >= t (one more try)          |
//!        +--------------------------------+------------------------------------------ success: reset
//! ```
//!
//! A password's failures are forgotten a day after the last one (the count starts again), so
//! the guard of an identity nobody tried for a day holds nothing worth keeping: the guards of
//! identities that are no account (see [`crate::auth::Identity`]) are purged then, and that
//! cannot show.
//!
//! M-PIN (count-based): five charged attempts without a success lock it until a password
//! sign-in or an admin sets a new M-PIN (both call [`Guard::reset`]).
//!
//! One [`Guard`] serves both: the [`Secret`] an attempt presents picks the policy.

use chrono::{DateTime, Duration, Utc};

/// Consecutive failures that lock a password sign-in or an M-PIN.
pub const MAX_FAILURES: u32 = 5;
const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 15 * 60;
/// How long after the last one a password's failures are forgotten.
pub const FAILURES_FORGOTTEN_AFTER_HOURS: i64 = 24;

/// The secret an attempt presents; each has its own guard and its own way of unlocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Locks for a while (1 minute doubling to 15), never for good.
    Password,
    /// Locks until a password sign-in or an admin sets a new M-PIN.
    Mpin,
}

/// One secret's lockout state: consecutive charged attempts, until when it is locked (only a
/// password's lock has an end), and when the last attempt was charged (only a password's
/// failures are forgotten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Guard {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
}

/// The attempt may not even be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// A password, until then.
    Until(DateTime<Utc>),
    /// An M-PIN, until it is reset.
    UntilReset,
}

impl Locked {
    /// Whole seconds to wait, at least 1: the `Retry-After` header. `None` when waiting does
    /// not help.
    pub fn retry_after(&self, now: DateTime<Utc>) -> Option<i64> {
        let Locked::Until(until) = self else {
            return None;
        };
        let millis = (*until - now).num_milliseconds().max(0);
        Some(((millis + 999) / 1000).max(1))
    }
}

impl Guard {
    /// Charges one attempt, or refuses it while locked. A password's charged state locks when
    /// this attempt is the 5th (or later) failure in a row, for 1 minute doubling to 15; an
    /// M-PIN refuses every attempt after 5 charged ones.
    pub fn charge(self, secret: Secret, now: DateTime<Utc>) -> Result<Self, Locked> {
        let before = match secret {
            Secret::Password => {
                if let Some(until) = self.locked_until.filter(|until| *until > now) {
                    return Err(Locked::Until(until));
                }
                self.remembered(now)
            }
            Secret::Mpin if self.failures >= MAX_FAILURES => return Err(Locked::UntilReset),
            Secret::Mpin => self.failures,
        };
        let failures = before.saturating_add(1);
        let locks = failures >= MAX_FAILURES && secret == Secret::Password;
        Ok(Self {
            failures,
            locked_until: locks.then(|| now + lock_length(failures)),
            last_failure: Some(now),
        })
    }

    /// A password's failures still counted at `now`: none a day after the last one.
    fn remembered(&self, now: DateTime<Utc>) -> u32 {
        let forgotten = self
            .last_failure
            .is_some_and(|last| now - last >= Duration::hours(FAILURES_FORGOTTEN_AFTER_HOURS));
        if forgotten { 0 } else { self.failures }
    }

    /// What a successful sign-in (or a new secret) leaves.
    pub fn reset() -> Self {
        Self::default()
    }

    /// Whether this charged attempt, if its secret is wrong, leaves the secret locked: worth
    /// an audit event and a metric.
    pub fn locks_if_wrong(&self) -> bool {
        self.failures >= MAX_FAILURES
    }
}

/// 60 s for the 5th failure, doubling per further failure, at most 15 minutes.
fn lock_length(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(MAX_FAILURES).min(10);
    Duration::seconds((FIRST_LOCK_SECONDS << doublings).min(LONGEST_LOCK_SECONDS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    /// Charges and fails `n` password attempts at `now`.
    fn fail(mut guard: Guard, n: u32, now: DateTime<Utc>) -> Guard {
        for _ in 0..n {
            guard = guard.charge(Secret::Password, now).unwrap();
        }
        guard
    }

    #[test]
    fn four_failures_leave_sign_in_open() {
        let guard = fail(Guard::default(), 4, at(0));
        assert_eq!(
            guard,
            Guard {
                failures: 4,
                locked_until: None,
                last_failure: Some(at(0)),
            }
        );
        assert!(guard.charge(Secret::Password, at(0)).is_ok());
    }

    #[test]
    fn the_fifth_failure_locks_for_a_minute() {
        let guard = fail(Guard::default(), 5, at(0));
        assert_eq!(guard.locked_until, Some(at(60)));
        let locked = guard.charge(Secret::Password, at(30)).unwrap_err();
        assert_eq!(locked.retry_after(at(30)), Some(30));
        assert_eq!(
            locked.retry_after(at(59) + Duration::milliseconds(500)),
            Some(1)
        );
    }

    #[test]
    fn each_further_failure_doubles_the_lock_up_to_fifteen_minutes() {
        let mut guard = fail(Guard::default(), 5, at(0));
        let mut now = at(0);
        let mut lengths = Vec::new();
        for _ in 0..6 {
            now = guard.locked_until.unwrap();
            guard = guard.charge(Secret::Password, now).unwrap();
            lengths.push((guard.locked_until.unwrap() - now).num_seconds());
        }
        assert_eq!(lengths, [120, 240, 480, 900, 900, 900]);
        assert!(
            guard.charge(Secret::Password, now).is_err(),
            "never permanent, but locked until it ends"
        );
    }

    #[test]
    fn password_failures_are_forgotten_a_day_after_the_last() {
        let guard = fail(Guard::default(), 4, at(0));
        let almost_a_day = at(24 * 3600 - 1);
        let fifth = guard.charge(Secret::Password, almost_a_day).unwrap();
        assert_eq!(fifth.failures, 5, "still remembered");
        assert!(fifth.locked_until.is_some());
        let a_day_later = at(24 * 3600);
        let again = guard.charge(Secret::Password, a_day_later).unwrap();
        assert_eq!((again.failures, again.locked_until), (1, None));
        assert_eq!(again.last_failure, Some(a_day_later));
    }

    #[test]
    fn a_success_resets_everything() {
        let guard = fail(Guard::default(), 5, at(0));
        assert_eq!(Guard::reset(), Guard::default());
        assert!(guard.locks_if_wrong());
    }

    #[test]
    fn an_mpin_locks_after_five_charges_until_reset() {
        let mut guard = Guard::default();
        for n in 1..=5 {
            guard = guard.charge(Secret::Mpin, at(0)).unwrap();
            assert_eq!(guard.locks_if_wrong(), n == 5);
            assert_eq!(guard.locked_until, None);
        }
        // Unlike a password's, an M-PIN's failures are never forgotten.
        let much_later = at(365 * 24 * 3600);
        let locked = guard.charge(Secret::Mpin, much_later);
        assert_eq!(locked, Err(Locked::UntilReset));
        assert_eq!(locked.unwrap_err().retry_after(much_later), None);
        assert!(Guard::reset().charge(Secret::Mpin, at(0)).is_ok());
    }

    #[test]
    fn twenty_concurrent_charges_admit_five() {
        let mut guard = Guard::default();
        let admitted = (0..20)
            .filter(|_| guard.charge(Secret::Mpin, at(0)).map(|g| guard = g).is_ok())
            .count();
        assert_eq!(admitted, 5);
    }
}
