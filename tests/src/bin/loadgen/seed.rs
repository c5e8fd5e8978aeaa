//! The company the load runs against: signed up over HTTP, users through the store (with the
//! benchmarks' shared password hash), leads through the batch endpoint.

use std::time::Instant;

use tests::bench::{self, BenchError, UserSeed};
use tests::harness::Company;
use uuid::Uuid;

/// Leads per `POST /api/v1/leads/batch` (the endpoint's maximum).
const LEADS_PER_BATCH: usize = 10_000;

/// Every seeded user's cap: room for their share of the seeded leads (100 each with the
/// defaults) and for every lead the run creates, so auto-assignment never runs out of
/// eligible users and `POST /leads` measures an assignment each time.
const LEAD_CAP: i64 = 1_000;

pub struct Seeded {
    pub company: Company,
    /// The seeded users' ids, `Agent 0` first.
    pub user_ids: Vec<Uuid>,
}

pub async fn seed(
    base: &str,
    database_url: &str,
    users: usize,
    leads: usize,
) -> Result<Seeded, BenchError> {
    let client = reqwest::Client::new();
    let company = bench::sign_up(&client, base).await?;

    let started = Instant::now();
    let user_ids = bench::seed_users(database_url, &company, users, |_| UserSeed {
        lead_cap: LEAD_CAP,
        ..UserSeed::default()
    })
    .await?;
    println!(
        "seeded {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Auto-assignment is on (the default), so the seeded leads are spread over the users
    // as a live company's would be, and each `POST /leads` counts what everyone holds.
    let started = Instant::now();
    for first in (0..leads).step_by(LEADS_PER_BATCH) {
        let count = LEADS_PER_BATCH.min(leads - first);
        let response = client
            .post(format!("{base}/api/v1/leads/batch"))
            .bearer_auth(&company.access_token)
            .json(&bench::lead_batch(first, count))
            .send()
            .await?;
        let status = response.status();
        if status.as_u16() != 201 {
            return Err(format!("lead batch answered {status}: {}", response.text().await?).into());
        }
    }
    bench::analyze_database(database_url).await?;
    println!(
        "seeded {leads} leads in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded { company, user_ids })
}
