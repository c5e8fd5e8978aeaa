//! Lists and searches a company of 10,000 users over HTTP and prints latency percentiles.
//!
//! `cargo bench -p tests --bench users_list` runs it on a temp SQLite file;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/calliyo_bench cargo bench -p tests
//! --bench users_list` on PostgreSQL (the database must exist and be empty). The server runs
//! in this process, on the same cores as the client; figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use tests::bench::{self, UserSeed};

const USERS: usize = 10_000;
const REQUESTS: usize = 300;

#[tokio::main]
async fn main() {
    let app = bench::start(|config| config.default_agent_limit = (USERS + 1) as u32).await;
    let seeded = Instant::now();
    app.seed_users(USERS, |i| UserSeed {
        lead_cap: 50,
        employee_code: Some(format!("EMP{i:05}")),
        phone: Some(format!("+91987{i:07}")),
    })
    .await;
    println!(
        "seeded {USERS} users in {:.1} s ({})",
        seeded.elapsed().as_secs_f64(),
        app.backend()
    );

    for (label, query) in [
        ("page of 50, by name", "per_page=50"),
        (
            "page 100 of 50, newest first",
            "per_page=50&page=100&sort=-created_at",
        ),
        ("q=agent 12 (111 matches)", "per_page=50&q=agent%2012"),
        ("q=@bench (every user)", "per_page=50&q=%40bench"),
        ("q=+9198765 (phone)", "per_page=50&q=%2B9198765"),
        ("q=zzz (no match)", "per_page=50&q=zzz"),
    ] {
        let url = format!("{}/api/v1/users?{query}", app.base);
        let mut times = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let start = Instant::now();
            let response = app
                .client
                .get(&url)
                .bearer_auth(&app.company.access_token)
                .send()
                .await
                .expect("request");
            assert!(
                response.status().is_success(),
                "{url}: {}",
                response.status()
            );
            response.bytes().await.expect("body");
            times.push(start.elapsed());
        }
        report(label, &mut times);
    }
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<32} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({} requests)",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(times[times.len() - 1]),
        times.len()
    );
}
