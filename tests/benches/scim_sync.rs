//! An identity provider's first sync: 5,000 users created through `POST /scim/v2/Users`
//! (without passwords, as Okta and Entra ID provision them), then a deactivation sweep of
//! 500 of them by `PATCH` (`active: false`, Entra ID's path-less form), with an API key,
//! timing each phase at the client with a few requests in flight (providers send in
//! parallel; `BENCH_SCIM_CONCURRENCY`, default 4).
//!
//! `cargo bench -p tests --bench scim_sync` (SQLite temp file), or with
//! `BENCH_DATABASE_URL=postgres://.../empty_db` on PostgreSQL. Figures go to BENCHMARKS.md.

use std::time::Instant;

use futures::{StreamExt, stream};
use serde_json::{Value, json};
use tests::bench::{self, BenchApp};

const USERS: usize = 5_000;
const DEACTIVATED: usize = 500;

#[tokio::main]
async fn main() {
    let app = bench::start(|config| {
        config.default_agent_limit = (USERS + 1) as u32;
    })
    .await;
    let concurrency = std::env::var("BENCH_SCIM_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4usize);
    let key = provisioning_key(&app).await;
    println!(
        "database: {}; {concurrency} requests in flight",
        app.backend()
    );

    let start = Instant::now();
    let ids: Vec<String> = stream::iter(0..USERS)
        .map(|i| create(&app, &key, i))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "first sync: {USERS} users in {elapsed:.1} s, {:.0} users/s (aim >= 170/s, within 30 s)",
        USERS as f64 / elapsed
    );

    let start = Instant::now();
    stream::iter(ids.iter().take(DEACTIVATED))
        .map(|id| deactivate(&app, &key, id))
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "deactivation sweep: {DEACTIVATED} users in {elapsed:.1} s, {:.0} users/s",
        DEACTIVATED as f64 / elapsed
    );
}

/// A key with every permission of the catalogue, as a provider connected by the Company
/// Admin holds.
async fn provisioning_key(app: &BenchApp) -> String {
    let token = &app.company.access_token;
    let catalogue: Value = app
        .client
        .get(format!("{}/api/v1/permissions", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("permissions")
        .json()
        .await
        .expect("json");
    let permissions: Vec<String> = catalogue["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|entry| {
            let actions = entry["actions"].as_array().cloned().unwrap_or_default();
            actions.into_iter().map(move |action| {
                format!(
                    "{}:{}",
                    entry["resource"].as_str().unwrap_or(""),
                    action.as_str().unwrap_or("")
                )
            })
        })
        .collect();
    let created: Value = app
        .client
        .post(format!("{}/api/v1/api-keys", app.base))
        .bearer_auth(token)
        .json(&json!({"name": "Okta", "permissions": permissions}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    created["key"].as_str().expect("the key").to_owned()
}

/// Creates user `i` as Okta sends one, and answers its id.
async fn create(app: &BenchApp, key: &str, i: usize) -> String {
    let email = format!("agent{i}@bench.example");
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Agent", "familyName": format!("No {i}")},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "externalId": format!("00u{i:06}"),
        "active": true,
    });
    let response = send(app, key, reqwest::Method::POST, "/scim/v2/Users", &user).await;
    assert_eq!(response.status().as_u16(), 201, "creating {email}");
    let created: Value = response.json().await.expect("json");
    created["id"].as_str().expect("an id").to_owned()
}

async fn deactivate(app: &BenchApp, key: &str, id: &str) {
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "value": {"active": false}}],
    });
    let path = format!("/scim/v2/Users/{id}");
    let response = send(app, key, reqwest::Method::PATCH, &path, &patch).await;
    assert_eq!(response.status().as_u16(), 200, "deactivating {id}");
}

async fn send(
    app: &BenchApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(key)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
}
