//! Sign-in throughput, and `GET /api/v1/me` latency idle and while sign-ins flood the server.
//!
//! `cargo bench -p tests --bench sign_in` (SQLite temp file), or with
//! `BENCH_DATABASE_URL=postgres://.../empty_db` on PostgreSQL. Server and load generator share
//! this process and the machine's cores; figures go to BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::security::passwords::PasswordHasher;
use serde_json::{Value, json};
use tests::bench::{self, PASSWORD};

const FLOOD_CLIENTS: usize = 16;
const FLOOD_SECONDS: u64 = 10;
const ME_REQUESTS: usize = 400;

#[tokio::main]
async fn main() {
    let app = bench::start(|config| {
        // Every request comes from 127.0.0.1: the per-address limit would measure itself.
        config.signin_rate = 1_000_000;
        config.signin_burst = 1_000_000;
        config.default_agent_limit = FLOOD_CLIENTS as u32 + 1;
    })
    .await;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (base, client, token) = (
        app.base.clone(),
        app.client.clone(),
        app.company.access_token.clone(),
    );
    let hash_ms = one_hash_ms().await;
    let me_url = format!("{base}/api/v1/me");
    let roles: Value = client
        .get(format!("{base}/api/v1/roles"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("roles")
        .json()
        .await
        .expect("json");
    let agent_role = roles["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["name"] == "Agent")
        .expect("Agent")["id"]
        .clone();
    // Each flooding client signs in as its own agent, as a shift starting would: one account's
    // simultaneous attempts are charged against its lockout until they succeed.
    for i in 0..FLOOD_CLIENTS {
        let user = json!({"name": format!("Agent {i}"), "email": bench::agent_email(i),
                          "role_id": agent_role, "password": PASSWORD});
        let response = client
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(&token)
            .json(&user)
            .send()
            .await
            .expect("user");
        assert!(
            response.status().is_success(),
            "create user: {}",
            response.status()
        );
    }

    let idle = me_latencies(&client, &me_url, &token, ME_REQUESTS).await;

    let stop = Arc::new(AtomicBool::new(false));
    let sign_ins = Arc::new(AtomicUsize::new(0));
    let login_url = format!("{base}/api/v1/auth/login");
    let flooders: Vec<_> = (0..FLOOD_CLIENTS)
        .map(|i| {
            let (client, url, stop, sign_ins) = (client.clone(), login_url.clone(), stop.clone(), sign_ins.clone());
            tokio::spawn(async move {
                let body = json!({"company": bench::COMPANY_CODE, "email": bench::agent_email(i), "password": PASSWORD});
                while !stop.load(Ordering::Relaxed) {
                    let response = client.post(&url).json(&body).send().await.expect("login");
                    assert!(response.status().is_success(), "login: {}", response.status());
                    response.bytes().await.expect("body");
                    sign_ins.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flooded = me_latencies(&client, &me_url, &token, ME_REQUESTS).await;
    let remaining = Duration::from_secs(FLOOD_SECONDS).saturating_sub(started.elapsed());
    tokio::time::sleep(remaining).await;
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.await.expect("flooder");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let throughput = sign_ins.load(Ordering::Relaxed) as f64 / elapsed;
    let aim = 0.8 * cores as f64 / (hash_ms / 1000.0);

    println!("database: {}", app.backend());
    println!("one argon2id verify: {hash_ms:.1} ms; cores: {cores}");
    println!(
        "sign-ins: {throughput:.1}/s with {FLOOD_CLIENTS} clients over {elapsed:.1} s (aim >= {aim:.1}/s: 80% of cores / hash time)"
    );
    let (idle_p50, idle_p99) = (percentile(&idle, 0.50), percentile(&idle, 0.99));
    let (flood_p50, flood_p99) = (percentile(&flooded, 0.50), percentile(&flooded, 0.99));
    println!("GET /me idle:    p50 {idle_p50:.2} ms  p99 {idle_p99:.2} ms");
    println!(
        "GET /me flooded: p50 {flood_p50:.2} ms  p99 {flood_p99:.2} ms  (p99 ratio {:.2}, aim <= 3)",
        flood_p99 / idle_p99
    );
}

/// The cost of one verify, as the server pays it (on the blocking pool, one at a time).
async fn one_hash_ms() -> f64 {
    let hasher = PasswordHasher::new(1).expect("hasher");
    let hash = hasher.hash(PASSWORD.into()).await.expect("hash");
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        assert!(
            hasher
                .verify(PASSWORD.into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds)
}

/// Times `count` sequential requests from a thread and runtime of their own, so the timing
/// is not queued behind the flooding clients' tasks in this process's runtime.
async fn me_latencies(_: &reqwest::Client, url: &str, token: &str, count: usize) -> Vec<f64> {
    let (url, token) = (url.to_owned(), token.to_owned());
    let (reply, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = reqwest::Client::new();
        let _ = reply.send(runtime.block_on(time_requests(&client, &url, &token, count)));
    });
    answer.await.expect("timing thread")
}

async fn time_requests(client: &reqwest::Client, url: &str, token: &str, count: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.expect("me");
        assert!(response.status().is_success());
        response.bytes().await.expect("body");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}
