//! The daily top-up: once a minute, every company whose local top-up time has passed today
//! and whose run for today is not recorded gets one (`domain::leads::run_due_top_ups` reads
//! only the companies due). The record and the run commit together
//! under a unique key (`job_runs`), so however many replicas tick, a company's day runs once;
//! a server that was down at the hour catches up at its next tick the same day. Each tick
//! also purges sessions that ended over a day ago and the lockouts of unknown identities
//! whose failures are forgotten, idempotency keys over a day old, and webhook events (with
//! their delivery logs) over 30 days old (several replicas purging at once only delete what
//! is there).

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{DomainError, auth, idempotency, leads, webhooks};

use crate::state::AppStore;

const TICK: Duration = Duration::from_secs(60);

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

/// One pass over the companies whose top-up time has come.
pub async fn tick(store: &AppStore, now: DateTime<Utc>) -> Result<(), DomainError> {
    let pass = leads::run_due_top_ups(store, &now).await?;
    for run in pass.runs {
        tracing::info!(company_id = %run.company_id, day = run.day, assigned = run.assigned, "daily top-up ran");
    }
    for (company_id, err) in pass.failures {
        tracing::error!(company_id = %company_id, error = %err, "daily top-up failed");
    }
    Ok(())
}
