//! Many tenants in one database (`--companies N`): N more companies beside the measured one,
//! and the scheduler's passes over all of them, timed where it runs (`api::scheduler::tick`
//! against the server's database, at fixed instants of the current UTC day).

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveTime, Utc};
use tests::bench::{self, BenchError};
use tests::harness::Company;

/// What the scheduler's passes took.
pub struct SchedulerTimes {
    /// 08:00 UTC, every company new to the scheduler: each is looked at once and rescheduled
    /// to its top-up at 09:00.
    pub first_look: Duration,
    /// 08:01 UTC: no company is due.
    pub idle_tick: Duration,
}

pub async fn seed_companies(
    database_url: &str,
    company: &Company,
    count: usize,
) -> Result<(), BenchError> {
    let started = Instant::now();
    bench::seed_companies(database_url, company, count).await?;
    println!(
        "seeded {count} more companies in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs the scheduler's passes at 08:00 and 08:01 UTC today (before the default 09:00 top-up,
/// so nothing is distributed: what is timed is reading and rescheduling).
pub async fn time_scheduler(database_url: &str) -> Result<SchedulerTimes, BenchError> {
    let store = persistence::connect(&persistence::ConnectOptions {
        url: database_url.to_owned(),
        max_connections: 2,
    })
    .await?;
    let today = Utc::now().date_naive();
    let at = |hour, minute| -> Result<DateTime<Utc>, BenchError> {
        let time = NaiveTime::from_hms_opt(hour, minute, 0).ok_or("a time of day")?;
        Ok(today.and_time(time).and_utc())
    };
    let first_look = timed(&store, at(8, 0)?).await?;
    let idle_tick = timed(&store, at(8, 1)?).await?;
    store.close().await?;
    Ok(SchedulerTimes {
        first_look,
        idle_tick,
    })
}

async fn timed(store: &persistence::Store, now: DateTime<Utc>) -> Result<Duration, BenchError> {
    let started = Instant::now();
    api::scheduler::tick(store, now).await?;
    Ok(started.elapsed())
}
