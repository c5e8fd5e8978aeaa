//! The daily top-up's schedule: when a company's top-up is due, and the scheduler's pass over
//! the companies whose time has come. Each company carries the instant the scheduler looks at
//! it next, so a pass reads only those (through an index), however many companies there are.
//! That instant is only a hint of when to look: whether a day ran is the job record's alone
//! (see [`daily_top_up`]), so looking early or twice runs nothing twice.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::daily_top_up;
use crate::DomainError;
use crate::ports::{Clock, Store, TopUpSchedule};
use crate::queries::SchedulerQueries;
use crate::settings::Settings;

/// A company whose top-up time has come, as the scheduler read it.
#[derive(Debug, Clone)]
pub struct DueTopUp {
    pub company_id: Uuid,
    pub settings: Settings,
    /// The instant the company was due at, as read: the reschedule applies only if nothing
    /// (a change of the settings) moved it since.
    pub due_at: DateTime<Utc>,
}

/// A top-up the scheduler ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRun {
    pub company_id: Uuid,
    /// The company's local date, `YYYY-MM-DD`.
    pub day: String,
    pub assigned: u64,
}

/// The company's local date when its top-up is due at `now` (its time has passed today),
/// as `YYYY-MM-DD`; `None` when disabled, not yet due, or the zone is unknown.
pub fn top_up_day(settings: &Settings, now: DateTime<Utc>) -> Option<String> {
    let zone = enabled_zone(settings)?;
    let local = now.with_timezone(&zone);
    (local.time() >= settings.top_up_at).then(|| local.date_naive().format("%Y-%m-%d").to_string())
}

/// The first instant after `now` at which the top-up falls due: today's time if it is still
/// ahead, else tomorrow's. `None` when disabled or the zone is unknown (never due).
pub fn next_top_up(settings: &Settings, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let zone = enabled_zone(settings)?;
    let local = now.with_timezone(&zone);
    let today = local.date_naive();
    let date = if local.time() >= settings.top_up_at {
        today.succ_opt()?
    } else {
        today
    };
    Some(local_instant(zone, date, settings))
}

fn enabled_zone(settings: &Settings) -> Option<Tz> {
    if !settings.top_up_enabled {
        return None;
    }
    settings.top_up_timezone.parse().ok()
}

/// When `date`'s top-up time happens in `zone`. A time skipped by a daylight-saving jump has
/// no instant: the first one after the jump is taken (the top-up is due once the local time
/// has passed its hour, which is then); a time that happens twice is due at the first.
fn local_instant(zone: Tz, date: NaiveDate, settings: &Settings) -> DateTime<Utc> {
    let at = date.and_time(settings.top_up_at);
    // Jumps are at most a few hours; a quarter-hour step finds the end of any.
    (0..=16)
        .find_map(|step| {
            zone.from_local_datetime(&(at + Duration::minutes(15 * step)))
                .earliest()
        })
        .map_or_else(|| at.and_utc(), |instant| instant.with_timezone(&Utc))
}

/// What one pass of the scheduler did.
#[derive(Debug, Default)]
pub struct TopUpPass {
    pub runs: Vec<TopUpRun>,
    /// The companies whose top-up failed, with why: they stay due, so the next pass tries
    /// again; one company's failure does not hold up the others.
    pub failures: Vec<(Uuid, DomainError)>,
}

/// One pass of the scheduler: each company whose time has come gets its day's top-up unless
/// that day already ran, then the instant it is looked at next.
pub async fn run_due_top_ups(
    store: &(impl Store + SchedulerQueries + TopUpSchedule),
    clock: &impl Clock,
) -> Result<TopUpPass, DomainError> {
    let now = clock.now();
    let mut pass = TopUpPass::default();
    for due in store.top_ups_due(now).await? {
        match top_up(store, now, &due).await {
            Ok(Some(run)) => pass.runs.push(run),
            Ok(None) => {}
            Err(err) => pass.failures.push((due.company_id, err)),
        }
    }
    Ok(pass)
}

/// The company's top-up if its day is due and has not run, then its next look.
async fn top_up(
    store: &(impl Store + SchedulerQueries + TopUpSchedule),
    now: DateTime<Utc>,
    due: &DueTopUp,
) -> Result<Option<TopUpRun>, DomainError> {
    let mut ran = None;
    if let Some(day) = top_up_day(&due.settings, now)
        && !store.top_up_ran(due.company_id, &day).await?
        && let Some(run) = daily_top_up(store, &now, due.company_id, &day).await?
    {
        ran = Some(TopUpRun {
            company_id: due.company_id,
            day,
            assigned: run.assigned,
        });
    }
    store
        .reschedule_top_up(due.company_id, due.due_at, next_top_up(&due.settings, now))
        .await?;
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    fn settings(at: &str, zone: &str) -> Settings {
        Settings {
            auto_assign_new_leads: true,
            top_up_enabled: true,
            top_up_at: NaiveTime::parse_from_str(at, "%H:%M").unwrap(),
            top_up_timezone: zone.into(),
            ..Settings::default()
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_top_up_is_due_from_its_local_time_on() {
        let kolkata = settings("09:00", "Asia/Kolkata");
        assert_eq!(
            top_up_day(&kolkata, utc("2026-11-28T03:29:00Z")),
            None,
            "08:59 local"
        );
        assert_eq!(
            top_up_day(&kolkata, utc("2026-11-28T03:30:00Z")).as_deref(),
            Some("2026-11-28")
        );
        assert_eq!(
            top_up_day(&kolkata, utc("2026-11-28T20:00:00Z")),
            None,
            "01:30 the next day is not due yet"
        );
    }

    #[test]
    fn disabled_or_unknown_zones_are_never_due() {
        let off = Settings {
            top_up_enabled: false,
            ..settings("00:00", "UTC")
        };
        assert_eq!(top_up_day(&off, utc("2026-11-28T12:00:00Z")), None);
        assert_eq!(next_top_up(&off, utc("2026-11-28T12:00:00Z")), None);
        let mars = settings("00:00", "Mars/Base");
        assert_eq!(top_up_day(&mars, utc("2026-11-28T12:00:00Z")), None);
        assert_eq!(next_top_up(&mars, utc("2026-11-28T12:00:00Z")), None);
    }

    #[test]
    fn the_next_top_up_is_todays_time_while_ahead_then_tomorrows() {
        let kolkata = settings("09:00", "Asia/Kolkata");
        assert_eq!(
            next_top_up(&kolkata, utc("2026-11-28T03:29:00Z")),
            Some(utc("2026-11-28T03:30:00Z"))
        );
        assert_eq!(
            next_top_up(&kolkata, utc("2026-11-28T03:30:00Z")),
            Some(utc("2026-11-29T03:30:00Z")),
            "at the time itself the day is due: next is tomorrow's"
        );
        assert_eq!(
            next_top_up(&kolkata, utc("2026-11-28T20:00:00Z")),
            Some(utc("2026-11-29T03:30:00Z")),
            "01:30 local on the 29th"
        );
    }

    #[test]
    fn a_time_skipped_or_repeated_by_daylight_saving_is_due_once_it_has_passed() {
        // New York skips 02:00-03:00 on 2026-03-08 and repeats 01:00-02:00 on 2026-11-01.
        let skipped = settings("02:30", "America/New_York");
        let next = next_top_up(&skipped, utc("2026-03-08T05:00:00Z")).unwrap();
        assert_eq!(
            next,
            utc("2026-03-08T07:00:00Z"),
            "03:00 EDT, after the jump"
        );
        assert!(top_up_day(&skipped, next).is_some(), "and due then");

        let repeated = settings("01:30", "America/New_York");
        assert_eq!(
            next_top_up(&repeated, utc("2026-11-01T04:00:00Z")),
            Some(utc("2026-11-01T05:30:00Z")),
            "the first 01:30 (EDT)"
        );
    }
}
