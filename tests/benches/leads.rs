//! Batch-creates 100,000 leads (10 batches of 10,000 over HTTP) and distributes them over
//! 1,000 users with caps between 50 and 150, timing each step at the client.
//!
//! `cargo bench -p tests --bench leads` (SQLite temp file), or with
//! `BENCH_DATABASE_URL=postgres://.../empty_db` on PostgreSQL. Figures go to BENCHMARKS.md.

use std::time::Instant;

use api::{Application, Cli};
use clap::Parser;
use domain::{Email, LeadCap, Name, PermissionSet};
use persistence::entity::user;
use persistence::{ActingUser, NewUser};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

const USERS: usize = 1_000;
const BATCHES: usize = 10;
const BATCH: usize = 10_000;
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
    config.scheduler = false;
    config.max_body_bytes = 16 * 1024 * 1024;
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
    let capacity = seed_users(&url, company_id, admin_id).await;
    let off = client
        .patch(format!("{base}/api/v1/settings"))
        .bearer_auth(&token)
        .json(&json!({"auto_assign_new_leads": false}))
        .send()
        .await
        .expect("settings");
    assert!(off.status().is_success());
    println!(
        "database: {}; {USERS} users, total cap {capacity}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    let mut batch_ms = Vec::new();
    for b in 0..BATCHES {
        let leads: Vec<Value> = (0..BATCH)
            .map(|i| json!({"name": format!("Lead {b}-{i}"), "phone": format!("+9198{:08}", b * BATCH + i), "source": "import"}))
            .collect();
        let body = json!({"leads": leads});
        let start = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/leads/batch"))
            .bearer_auth(&token)
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
    let run: Value = client
        .post(format!("{base}/api/v1/leads/distribute"))
        .bearer_auth(&token)
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

/// Creates the users through the store with caps from 50 to 150; returns the total cap.
async fn seed_users(url: &str, company_id: Uuid, admin_id: Uuid) -> i64 {
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
    let mut capacity = 0;
    for i in 0..USERS {
        let cap = 50 + (i as i64 * 37) % 101;
        capacity += cap;
        let new = NewUser {
            name: Name::parse(&format!("Agent {i}")).expect("name"),
            email: Email::parse(&format!("agent{i}@bench.example")).expect("email"),
            employee_code: None,
            phone: None,
            department_id: None,
            branch_id: None,
            role_id: admin.role_id,
            password_hash: admin.password_hash.clone(),
            mpin_hash: None,
            lead_cap: LeadCap::parse(cap).expect("cap"),
        };
        tenant.create_user(&actor, new).await.expect("create");
    }
    let db = store.connection();
    db.execute_raw(Statement::from_string(db.get_database_backend(), "ANALYZE"))
        .await
        .expect("analyze");
    store.close().await.expect("close");
    capacity
}
