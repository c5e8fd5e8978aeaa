//! Lists and searches a company of 10,000 users over HTTP and prints latency percentiles.
//!
//! `cargo bench -p tests --bench users_list` runs it on a temp SQLite file;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/calliyo_bench cargo bench -p tests
//! --bench users_list` on PostgreSQL (the database must exist and be empty). The server runs
//! in this process, on the same cores as the client; figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use api::{Application, Cli};
use clap::Parser;
use domain::{Email, EmployeeCode, LeadCap, Name, PermissionSet, Phone};
use persistence::entity::user;
use persistence::{ActingUser, NewUser};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

const USERS: usize = 10_000;
const REQUESTS: usize = 300;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
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
    let token = signup["tokens"]["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let company_id: Uuid = signup["company"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let admin_id: Uuid = signup["user"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let seeded = Instant::now();
    seed(&url, company_id, admin_id).await;
    println!(
        "seeded {USERS} users in {:.1} s ({})",
        seeded.elapsed().as_secs_f64(),
        backend(&url)
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
        let url = format!("{base}/api/v1/users?{query}");
        let mut times = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let start = Instant::now();
            let response = client
                .get(&url)
                .bearer_auth(&token)
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

fn backend(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// Creates the users through the store (the same transaction as the API's, without 10,000
/// password hashes: every user gets the admin's hash).
async fn seed(url: &str, company_id: Uuid, admin_id: Uuid) {
    let store = persistence::connect(&persistence::ConnectOptions {
        url: url.to_owned(),
        max_connections: 2,
    })
    .await
    .expect("connect");
    let tenant = store.tenant(company_id);
    let admin = user::Entity::find_by_id((company_id, admin_id))
        .one(store.connection())
        .await
        .expect("query")
        .expect("admin");
    let actor = ActingUser {
        user_id: admin_id,
        name: admin.name.clone(),
        permissions: PermissionSet::all(),
        ip: None,
    };
    for i in 0..USERS {
        let new = NewUser {
            name: Name::parse(&format!("Agent {i}")).expect("name"),
            email: Email::parse(&format!("agent{i}@bench.example")).expect("email"),
            employee_code: Some(EmployeeCode::parse(&format!("EMP{i:05}")).expect("code")),
            phone: Some(Phone::parse(&format!("+91987{i:07}")).expect("phone")),
            department_id: None,
            branch_id: None,
            role_id: admin.role_id,
            password_hash: admin.password_hash.clone(),
            mpin_hash: None,
            lead_cap: LeadCap::parse(50).expect("cap"),
        };
        tenant.create_user(&actor, new).await.expect("create");
    }
    // A long-lived database has planner statistics; a just-filled one gets them now.
    let db = store.connection();
    db.execute_raw(Statement::from_string(db.get_database_backend(), "ANALYZE"))
        .await
        .expect("analyze");
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
