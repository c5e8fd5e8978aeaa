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
//! M-PIN (count-based): five charged attempts without a success lock it until a password
//! sign-in or an admin sets a new M-PIN (both call [`MpinGuard::reset`]).

use chrono::{DateTime, Duration, Utc};

/// Consecutive failures that lock a password sign-in or an M-PIN.
pub const MAX_FAILURES: u32 = 5;
const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 15 * 60;

/// A password sign-in's lockout state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PasswordGuard {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The attempt may not even be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub until: DateTime<Utc>,
}

impl Locked {
    /// Whole seconds to wait, at least 1: the `Retry-After` header.
    pub fn retry_after(&self, now: DateTime<Utc>) -> i64 {
        let millis = (self.until - now).num_milliseconds().max(0);
        ((millis + 999) / 1000).max(1)
    }
}

impl PasswordGuard {
    /// Charges one attempt, or refuses it while locked. The charged state locks when this
    /// attempt is the 5th (or later) failure in a row, for 1 minute doubling to 15.
    pub fn charge(self, now: DateTime<Utc>) -> Result<Self, Locked> {
        if let Some(until) = self.locked_until.filter(|until| *until > now) {
            return Err(Locked { until });
        }
        let failures = self.failures.saturating_add(1);
        let locked_until = (failures >= MAX_FAILURES).then(|| now + lock_length(failures));
        Ok(Self {
            failures,
            locked_until,
        })
    }

    /// What a successful sign-in leaves.
    pub fn reset() -> Self {
        Self::default()
    }

    /// Whether this charge is the one that (re)locked the account: worth an audit event.
    pub fn just_locked(&self) -> bool {
        self.locked_until.is_some()
    }
}

/// 60 s for the 5th failure, doubling per further failure, at most 15 minutes.
fn lock_length(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(MAX_FAILURES).min(10);
    Duration::seconds((FIRST_LOCK_SECONDS << doublings).min(LONGEST_LOCK_SECONDS))
}

/// An M-PIN's lockout state: the count of consecutive charged attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MpinGuard {
    pub failures: u32,
}

/// The M-PIN is locked until a password sign-in or an admin reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpinLocked;

impl MpinGuard {
    pub fn charge(self) -> Result<Self, MpinLocked> {
        if self.failures >= MAX_FAILURES {
            return Err(MpinLocked);
        }
        Ok(Self {
            failures: self.failures + 1,
        })
    }

    pub fn reset() -> Self {
        Self::default()
    }

    /// Whether a failure of this charged attempt leaves the M-PIN locked.
    pub fn locks_on_failure(&self) -> bool {
        self.failures >= MAX_FAILURES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    /// Charges and fails `n` attempts at `now`.
    fn fail(mut guard: PasswordGuard, n: u32, now: DateTime<Utc>) -> PasswordGuard {
        for _ in 0..n {
            guard = guard.charge(now).unwrap();
        }
        guard
    }

    #[test]
    fn four_failures_leave_sign_in_open() {
        let guard = fail(PasswordGuard::default(), 4, at(0));
        assert_eq!(
            guard,
            PasswordGuard {
                failures: 4,
                locked_until: None
            }
        );
        assert!(guard.charge(at(0)).is_ok());
    }

    #[test]
    fn the_fifth_failure_locks_for_a_minute() {
        let guard = fail(PasswordGuard::default(), 5, at(0));
        assert_eq!(guard.locked_until, Some(at(60)));
        let locked = guard.charge(at(30)).unwrap_err();
        assert_eq!(locked.retry_after(at(30)), 30);
        assert_eq!(locked.retry_after(at(59) + Duration::milliseconds(500)), 1);
    }

    #[test]
    fn each_further_failure_doubles_the_lock_up_to_fifteen_minutes() {
        let mut guard = fail(PasswordGuard::default(), 5, at(0));
        let mut now = at(0);
        let mut lengths = Vec::new();
        for _ in 0..6 {
            now = guard.locked_until.unwrap();
            guard = guard.charge(now).unwrap();
            lengths.push((guard.locked_until.unwrap() - now).num_seconds());
        }
        assert_eq!(lengths, [120, 240, 480, 900, 900, 900]);
        assert!(
            guard.charge(now).is_err(),
            "never permanent, but locked until it ends"
        );
    }

    #[test]
    fn a_success_resets_everything() {
        let guard = fail(PasswordGuard::default(), 5, at(0));
        assert_eq!(PasswordGuard::reset(), PasswordGuard::default());
        assert!(guard.just_locked());
    }

    #[test]
    fn an_mpin_locks_after_five_charges_until_reset() {
        let mut guard = MpinGuard::default();
        for n in 1..=5 {
            guard = guard.charge().unwrap();
            assert_eq!(guard.locks_on_failure(), n == 5);
        }
        assert_eq!(guard.charge(), Err(MpinLocked));
        assert!(MpinGuard::reset().charge().is_ok());
    }

    #[test]
    fn twenty_concurrent_charges_admit_five() {
        let mut guard = MpinGuard::default();
        let admitted = (0..20)
            .filter(|_| guard.charge().map(|g| guard = g).is_ok())
            .count();
        assert_eq!(admitted, 5);
    }
}
