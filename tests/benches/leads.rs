//! A company's first day, made only through the public API as its admin would: 1,000 users
//! created with `POST /api/v1/users` (caps between 50 and 150), auto-assignment turned off,
//! 100,000 leads in 10 batches of 10,000, then one `POST /api/v1/leads/distribute`; each
//! step timed at the client. Nothing gathers planner statistics by hand: PostgreSQL has what
//! its autovacuum has gathered by then, as a live database would.
//!
//! `cargo bench -p tests --bench leads` (SQLite temp file), or with
//! `BENCH_DATABASE_URL=postgres://.../empty_db` on PostgreSQL. With `BENCH_WEBHOOK=1` the
//! company first registers a webhook for `lead.batch_created` and `leads.distributed`, so
//! each batch and the distribution also write their event to the outbox (the server under
//! bench delivers nothing): the outbox's cost is the difference. Figures go to BENCHMARKS.md.

use std::time::Instant;

use serde_json::{Value, json};
use tests::bench;

const USERS: usize = 1_000;
const BATCHES: usize = 10;
const BATCH: usize = 10_000;

#[tokio::main]
async fn main() {
    let app = bench::start(|config| {
        config.default_agent_limit = (USERS + 1) as u32;
        config.max_body_bytes = 16 * 1024 * 1024;
    })
    .await;
    let cap = |i: usize| 50 + (i as i64 * 37) % 101;
    let started = Instant::now();
    bench::create_users_over_http(&app.client, &app.base, &app.company, USERS, 4, cap)
        .await
        .expect("creating the users");
    println!(
        "{USERS} users created through POST /api/v1/users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let capacity: i64 = (0..USERS).map(cap).sum();
    let off = app
        .client
        .patch(format!("{}/api/v1/settings", app.base))
        .bearer_auth(&app.company.access_token)
        .json(&json!({"auto_assign_new_leads": false}))
        .send()
        .await
        .expect("settings");
    assert!(off.status().is_success());
    if std::env::var_os("BENCH_WEBHOOK").is_some() {
        let hook = json!({"url": "https://hooks.example.com/bench",
                          "events": ["lead.batch_created", "leads.distributed"]});
        let created = app
            .client
            .post(format!("{}/api/v1/webhooks", app.base))
            .bearer_auth(&app.company.access_token)
            .json(&hook)
            .send()
            .await
            .expect("webhook");
        assert_eq!(created.status().as_u16(), 201);
        println!("with a webhook subscribed to the batches and the distribution");
    }
    println!(
        "database: {}; {USERS} users, total cap {capacity}",
        app.backend()
    );

    let mut batch_ms = Vec::new();
    for b in 0..BATCHES {
        let body = bench::lead_batch(b * BATCH, BATCH);
        let start = Instant::now();
        let response = app
            .client
            .post(format!("{}/api/v1/leads/batch", app.base))
            .bearer_auth(&app.company.access_token)
            .json(&body)
            .send()
            .await
            .expect("batch");
        assert_eq!(
            response.status().as_u16(),
            201,
            "{:?}",
            response.text().await
        );
        batch_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    batch_ms.sort_by(f64::total_cmp);
    println!(
        "batch of {BATCH} leads: p50 {:.0} ms, max {:.0} ms ({BATCHES} batches; aim <= 1000 ms)",
        batch_ms[BATCHES / 2],
        batch_ms[BATCHES - 1]
    );

    let start = Instant::now();
    let run: Value = app
        .client
        .post(format!("{}/api/v1/leads/distribute", app.base))
        .bearer_auth(&app.company.access_token)
        .send()
        .await
        .expect("distribute")
        .json()
        .await
        .expect("json");
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "distribute {} unassigned leads over {USERS} users: {} assigned to {} users in {elapsed:.2} s (aim <= 2 s on PostgreSQL)",
        BATCHES * BATCH,
        run["assigned"],
        run["per_user"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(
        run["assigned"].as_i64(),
        Some(capacity.min((BATCHES * BATCH) as i64))
    );
}
