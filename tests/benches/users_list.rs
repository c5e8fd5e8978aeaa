//! Lists and searches a company of 10,000 users over HTTP and prints latency percentiles.
//!
//! `cargo bench -p tests --bench users_list` runs it on a temp SQLite file;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/calliyo_bench cargo bench -p tests
//! --bench users_list` on PostgreSQL (the database must exist and be empty). The server runs
//! in this process, on the same cores as the client; figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use api::{Application, Cli};
use chrono::Utc;
use clap::Parser;
use persistence::entity::user;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};
use uuid::Uuid;

const USERS: usize = 10_000;
const REQUESTS: usize = 300;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()));
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = url.clone();
    config.bind = "127.0.0.1:0".parse().expect("address");
    config.jwt_secret = Some("bench secret that is long enough for HS256".into());
    config.default_agent_limit = (USERS + 1) as u32;
    let app = Application::build(&config).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    let signup: Value = client
        .post(format!("{base}/api/v1/signup"))
        .json(&json!({"company_name": "Bench", "company_code": "bench",
                      "admin": {"name": "Admin", "email": "admin@bench.example", "password": PASSWORD}}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    let token = signup["tokens"]["access_token"].as_str().expect("token").to_owned();
    let company_id: Uuid = signup["company"]["id"].as_str().expect("id").parse().expect("uuid");
    let admin_id: Uuid = signup["user"]["id"].as_str().expect("id").parse().expect("uuid");
    let seeded = Instant::now();
    seed(&url, company_id, admin_id).await;
    println!("seeded {USERS} users in {:.1} s ({})", seeded.elapsed().as_secs_f64(), backend(&url));

    for (label, query) in [
        ("page of 50, by name", "per_page=50"),
        ("page 100 of 50, newest first", "per_page=50&page=100&sort=-created_at"),
        ("q=agent 12 (111 matches)", "per_page=50&q=agent%2012"),
        ("q=@bench (every user)", "per_page=50&q=%40bench"),
        ("q=+9198765 (phone)", "per_page=50&q=%2B9198765"),
        ("q=zzz (no match)", "per_page=50&q=zzz"),
    ] {
        let url = format!("{base}/api/v1/users?{query}");
        let mut times = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let start = Instant::now();
            let response = client.get(&url).bearer_auth(&token).send().await.expect("request");
            assert!(response.status().is_success(), "{url}: {}", response.status());
            response.bytes().await.expect("body");
            times.push(start.elapsed());
        }
        report(label, &mut times);
    }
}

fn backend(url: &str) -> &'static str {
    if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
}

/// Inserts the users straight into the table, in batches: creating them over HTTP would spend
/// most of the run hashing 10,000 passwords.
async fn seed(url: &str, company_id: Uuid, admin_id: Uuid) {
    let store = persistence::connect(&persistence::ConnectOptions { url: url.to_owned(), max_connections: 2 })
        .await
        .expect("connect");
    let admin = user::Entity::find_by_id((company_id, admin_id))
        .one(store.connection())
        .await
        .expect("query")
        .expect("admin");
    let rows: Vec<user::ActiveModel> = (0..USERS)
        .map(|i| {
            let now = Utc::now();
            user::ActiveModel {
                company_id: Set(company_id),
                id: Set(Uuid::now_v7()),
                name: Set(format!("Agent {i}")),
                email: Set(format!("agent{i}@bench.example")),
                employee_code: Set(Some(format!("EMP{i:05}"))),
                phone: Set(Some(format!("+91987{i:07}"))),
                department_id: Set(None),
                branch_id: Set(None),
                role_id: Set(admin.role_id),
                password_hash: Set(admin.password_hash.clone()),
                mpin_hash: Set(None),
                lead_cap: Set(50),
                banned: Set(i % 50 == 0),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    for batch in rows.chunks(500) {
        user::Entity::insert_many(batch.to_vec()).exec(store.connection()).await.expect("insert");
    }
    store.close().await.expect("close");
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
