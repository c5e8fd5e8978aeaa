//! The daily top-up: once a minute, every company whose local top-up time has passed today
//! and whose run for today is not recorded gets one. The record and the run commit together
//! under a unique key (`job_runs`), so however many replicas tick, a company's day runs once;
//! a server that was down at the hour catches up at its next tick the same day. Each tick
//! also purges sessions that ended over a day ago and the lockouts of unknown identities
//! whose failures are forgotten, idempotency keys over a day old, and webhook events (with
//! their delivery logs) over 30 days old (several replicas purging at once only delete what
//! is there).

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::queries::SchedulerQueries;
use domain::settings::Settings;
use domain::{DomainError, auth, idempotency, leads, webhooks};

use crate::state::AppStore;

const TICK: Duration = Duration::from_secs(60);

/// The company's local date when its top-up is due at `now` (its time has passed today),
/// as `YYYY-MM-DD`; `None` when disabled, not yet due, or the zone is unknown.
pub fn due_day(settings: &Settings, now: DateTime<Utc>) -> Option<String> {
    if !settings.top_up_enabled {
        return None;
    }
    let zone: chrono_tz::Tz = settings.top_up_timezone.parse().ok()?;
    let local = now.with_timezone(&zone);
    (local.time() >= settings.top_up_at).then(|| local.date_naive().format("%Y-%m-%d").to_string())
}

/// Runs the scheduler until the process ends: each minute the daily top-up of every company
/// due, then the purges.
pub fn start(store: AppStore) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        loop {
            ticks.tick().await;
            if let Err(err) = tick(&store, Utc::now()).await {
                tracing::error!(error = %err, "daily top-up tick failed");
            }
            purged(
                "ended sessions",
                auth::purge_ended_sessions(&store, &Utc::now()).await,
            );
            purged(
                "forgotten sign-in identities",
                auth::purge_forgotten_identities(&store, &Utc::now()).await,
            );
            purged(
                "expired idempotency keys",
                idempotency::purge_expired_keys(&store, &Utc::now()).await,
            );
            purged(
                "old webhook events",
                webhooks::purge_old_events(&store, &Utc::now()).await,
            );
        }
    });
}

/// Logs what a purge deleted, or why it failed.
fn purged(what: &str, result: Result<u64, DomainError>) {
    match result {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, what, "purged"),
        Err(err) => tracing::error!(error = %err, what, "purge failed"),
    }
}

/// One pass over the companies.
pub async fn tick(store: &AppStore, now: DateTime<Utc>) -> Result<(), DomainError> {
    for (company_id, settings) in store.companies_with_settings().await? {
        let Some(day) = due_day(&settings, now) else {
            continue;
        };
        if store.top_up_ran(company_id, &day).await? {
            continue;
        }
        if let Some(run) = leads::daily_top_up(store, &now, company_id, &day).await? {
            tracing::info!(company_id = %company_id, day, assigned = run.assigned, "daily top-up ran");
        }
    }
    Ok(())
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
            due_day(&kolkata, utc("2026-11-28T03:29:00Z")),
            None,
            "08:59 in Kolkata"
        );
        assert_eq!(
            due_day(&kolkata, utc("2026-11-28T03:30:00Z")).as_deref(),
            Some("2026-11-28")
        );
        assert_eq!(
            due_day(&kolkata, utc("2026-11-28T20:00:00Z")),
            None,
            "01:30 the next day is not due yet"
        );
    }

    #[test]
    fn disabled_or_unknown_zones_are_never_due() {
        let mut off = settings("00:00", "UTC");
        off.top_up_enabled = false;
        assert_eq!(due_day(&off, utc("2026-11-28T12:00:00Z")), None);
        assert_eq!(
            due_day(&settings("00:00", "Mars/Base"), utc("2026-11-28T12:00:00Z")),
            None
        );
    }
}
