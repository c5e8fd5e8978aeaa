//! Webhooks: their CRUD and rules, and deliveries to a receiver on 127.0.0.1 (the test apps
//! run with `CALLIYO_WEBHOOKS_ALLOW_HTTP=true`, see `helpers`), signed, retried, and recorded
//! only by changes that commit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tests::harness::{Received, Receiver};

use crate::helpers::{TestApp, problem, spawn_app, spawn_app_with, text};

/// A bound on how long a delivery may take to arrive: the worker is woken by the commit, and
/// polls every second anyway. Not a measurement.
const WITHIN: Duration = Duration::from_secs(10);

async fn create_webhook(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let body = json!({"url": url, "events": events});
    let response = app.post("/api/v1/webhooks", Some(token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("json")
}

/// The body of a POST the receiver got, after checking its content type and that its
/// `Calliyo-Signature` is the HMAC-SHA256 of `{t}.{body}` under `secret`, made just now.
fn signed_body(secret: &str, received: &Received) -> Value {
    assert_eq!(received.content_type, "application/json");
    let (t, v1) = received
        .signature
        .split_once(",v1=")
        .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1)))
        .unwrap_or_else(|| panic!("a signature header, not {:?}", received.signature));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.body).as_bytes());
    mac.verify_slice(&hex::decode(v1).expect("hex"))
        .expect("the signature verifies with the secret");
    let signed_at: i64 = t.parse().expect("unix seconds");
    assert!((Utc::now().timestamp() - signed_at).abs() < 60);
    serde_json::from_str(&received.body).expect("a JSON body")
}

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    app.get(path, token).await.json().await.expect("json")
}

async fn post_json(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Value {
    app.post(path, token, body)
        .await
        .json()
        .await
        .expect("json")
}

async fn deliveries(app: &TestApp, token: &str, webhook_id: &str) -> Value {
    let path = format!("/api/v1/webhooks/{webhook_id}/deliveries");
    let response = app.get(&path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

/// The delivery log once `settled` holds for it (the worker records a try just after the
/// receiver answered), waiting at most [`WITHIN`].
async fn log_when(
    app: &TestApp,
    token: &str,
    webhook_id: &str,
    settled: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = std::time::Instant::now();
    loop {
        let log = deliveries(app, token, webhook_id).await;
        let items = log["items"].as_array().expect("items").clone();
        if settled(&items) {
            return items;
        }
        assert!(
            started.elapsed() < WITHIN,
            "the log never settled: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn delivered(items: &[Value]) -> usize {
    items
        .iter()
        .filter(|d| !d["delivered_at"].is_null())
        .count()
}

#[tokio::test]
async fn a_webhook_is_created_read_changed_and_deleted_and_its_secret_shown_once() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let body = json!({"url": "https://hooks.example.com/calliyo", "events": ["user.created", "lead.deleted", "user.created"]});
    let response = app.post("/api/v1/webhooks", token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = text(&created["id"]);
    assert_eq!(location, format!("/api/v1/webhooks/{id}"));
    assert!(text(&created["secret"]).starts_with("whsec_"));
    assert!(text(&created["secret"]).len() >= 40);
    assert_eq!(created["events"], json!(["user.created", "lead.deleted"]));
    assert_eq!(created["enabled"], true);

    let fetched: Value = get_json(&app, &location, token).await;
    let listed: Value = get_json(&app, "/api/v1/webhooks", token).await;
    assert!(fetched.get("secret").is_none(), "{fetched}");
    assert_eq!(listed["total"], 1);
    assert!(listed["items"][0].get("secret").is_none());
    assert_eq!(
        listed["items"][0]["url"],
        "https://hooks.example.com/calliyo"
    );

    let patched = app
        .patch(
            &location,
            token,
            &json!({"events": ["role.deleted"], "enabled": false}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["events"], json!(["role.deleted"]));
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["url"], "https://hooks.example.com/calliyo");
    assert!(patched.get("secret").is_none());
    let null = app.patch(&location, token, &json!({"url": null})).await;
    problem(null, StatusCode::BAD_REQUEST).await;
    let unknown = app
        .patch(&location, token, &json!({"secret": "mine"}))
        .await;
    problem(unknown, StatusCode::BAD_REQUEST).await;

    assert_eq!(
        app.delete(&location, token).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(app.get(&location, token).await, StatusCode::NOT_FOUND).await;
    let audit: Value = get_json(&app, "/api/v1/audit-events?action=webhook.updated", token).await;
    assert_eq!(audit["items"][0]["changes"], json!(["events", "enabled"]));
    assert_eq!(audit["items"][0]["target"]["name"], "hooks.example.com");
    assert!(!audit.to_string().contains("whsec_"));
}

#[tokio::test]
async fn a_url_must_be_https_to_a_public_host_and_events_from_the_catalogue() {
    let app = spawn_app_with(|config| config.webhooks_allow_http = false).await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    for url in [
        "http://hooks.example.com/",
        "https://127.0.0.1/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://169.254.169.254/latest",
        "https://localhost:8443/",
        "not a url",
    ] {
        let body = json!({"url": url, "events": ["user.created"]});
        let refused = problem(
            app.post("/api/v1/webhooks", token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], "url", "{url}");
    }
    let unknown =
        json!({"url": "https://hooks.example.com/", "events": ["user.created", "user.renamed"]});
    let refused = problem(
        app.post("/api/v1/webhooks", token, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "events[1]");
    let none = json!({"url": "https://hooks.example.com/", "events": []});
    let refused = problem(
        app.post("/api/v1/webhooks", token, &none).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "events");
    let listed: Value = get_json(&app, "/api/v1/webhooks", token).await;
    assert_eq!(listed["total"], 0, "nothing refused was stored");

    let public = json!({"url": "https://hooks.example.com/", "events": ["user.created"]});
    let created = app.post("/api/v1/webhooks", token, &public).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let private = app
        .patch(
            &location,
            token,
            &json!({"url": "https://192.168.1.10/hook"}),
        )
        .await;
    problem(private, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn another_companys_webhook_is_not_found() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let hook = create_webhook(
        &app,
        &acme.access_token,
        "https://hooks.example.com/",
        &["user.created"],
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", text(&hook["id"]));
    let theirs = Some(globex.access_token.as_str());

    problem(app.get(&path, theirs).await, StatusCode::NOT_FOUND).await;
    let deliveries_path = format!("{path}/deliveries");
    problem(
        app.get(&deliveries_path, theirs).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let patch = app.patch(&path, theirs, &json!({"enabled": false})).await;
    problem(patch, StatusCode::NOT_FOUND).await;
    problem(app.delete(&path, theirs).await, StatusCode::NOT_FOUND).await;
    let listed: Value = get_json(&app, "/api/v1/webhooks", theirs).await;
    assert_eq!(listed["total"], 0);
    let still: Value = get_json(&app, &path, Some(&acme.access_token)).await;
    assert_eq!(still["enabled"], true);
}

#[tokio::test]
async fn a_created_user_is_delivered_signed_with_the_user_as_get_shows_it() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let receiver = Receiver::start(&[]).unwrap();
    let hook = create_webhook(&app, &admin.access_token, &receiver.url, &["user.created"]).await;

    let user = app
        .create_user(&admin.access_token, "asha@acme.example", "Agent")
        .await;

    let received = receiver.wait_for(1, WITHIN).await.unwrap();
    let body = signed_body(&text(&hook["secret"]), &received[0]);
    assert_eq!(body["type"], "user.created");
    assert_eq!(body["company_id"], admin.company_id.as_str());
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let shown: Value = get_json(&app, &path, Some(&admin.access_token)).await;
    assert_eq!(body["data"], shown);
    assert!(text(&body["occurred_at"]).parse::<DateTime<Utc>>().is_ok());
    let log = log_when(&app, &admin.access_token, &text(&hook["id"]), |items| {
        delivered(items) == 1
    })
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event_id"], body["id"]);
    assert_eq!(log[0]["event"], "user.created");
    assert_eq!(
        (log[0]["attempt"].clone(), log[0]["status_code"].clone()),
        (json!(1), json!(200))
    );
    assert!(log[0]["error"].is_null() && log[0]["next_attempt_at"].is_null());
}

/// A change records only its event; a delivery worker makes its deliveries later, to the
/// webhooks subscribed then, leaving out a webhook created after the event happened.
#[tokio::test]
async fn an_event_goes_to_the_webhooks_that_existed_when_it_happened() {
    let app = spawn_app_with(|config| config.webhooks_delivery = false).await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let (before, after) = (Receiver::start(&[]).unwrap(), Receiver::start(&[]).unwrap());
    let early = create_webhook(&app, token, &before.url, &["user.created"]).await;
    app.create_user(token, "asha@acme.example", "Agent").await;
    let late = create_webhook(&app, token, &after.url, &["user.created"]).await;
    assert_eq!(
        deliveries(&app, token, &text(&early["id"])).await["total"],
        0
    );

    // A replica that delivers fans the waiting event out, then sends it.
    let _delivering = app.replica().await;

    let received = before.wait_for(1, WITHIN).await.unwrap();
    assert_eq!(
        signed_body(&text(&early["secret"]), &received[0])["type"],
        "user.created"
    );
    // Both webhooks' deliveries were decided in the one fan-out that sent this one.
    assert_eq!(
        deliveries(&app, token, &text(&late["id"])).await["total"],
        0
    );
    assert!(after.received().is_empty());
}

#[tokio::test]
async fn a_failed_try_is_retried_with_the_same_bytes_and_the_log_shows_both() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let receiver = Receiver::start(&[500]).unwrap();
    let hook = create_webhook(&app, token, &receiver.url, &["role.created"]).await;
    let hook_id = text(&hook["id"]);

    let role = app
        .post(
            "/api/v1/roles",
            Some(token),
            &json!({"name": "Auditors", "permissions": ["reports:read"]}),
        )
        .await;
    assert_eq!(role.status(), StatusCode::CREATED);
    let first = log_when(&app, token, &hook_id, |items| items.len() == 2).await;
    // Newest first: the retry, due; then the failed try.
    let (retry, failed) = (&first[0], &first[1]);
    assert_eq!(
        (retry["attempt"].clone(), failed["attempt"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(failed["status_code"], 500);
    assert_eq!(failed["error"], "the receiver answered 500");
    assert!(failed["delivered_at"].is_null());
    let tried_at: DateTime<Utc> = text(&failed["attempted_at"]).parse().unwrap();
    let retry_at: DateTime<Utc> = text(&failed["next_attempt_at"]).parse().unwrap();
    assert!(retry_at > tried_at && retry_at - tried_at <= chrono::Duration::seconds(30));
    assert_eq!(retry["next_attempt_at"], failed["next_attempt_at"]);
    assert!(retry["attempted_at"].is_null());

    // The retry's time comes (rather than waiting 15 s for it).
    app.execute("UPDATE webhook_deliveries SET due_at = '2000-01-01T00:00:00+00:00' WHERE attempted_at IS NULL")
        .await;

    let received = receiver.wait_for(2, WITHIN).await.unwrap();
    assert_eq!(received[0].body, received[1].body, "the body is frozen");
    let body = signed_body(&text(&hook["secret"]), &received[1]);
    assert_eq!(body["type"], "role.created");
    assert_eq!(body["data"]["name"], "Auditors");
    let log = log_when(&app, token, &hook_id, |items| delivered(items) == 1).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status_code"], 200);
    assert!(log[0]["next_attempt_at"].is_null());
    assert_eq!(log[0]["event_id"], log[1]["event_id"]);
}

#[tokio::test]
async fn a_refused_change_records_no_event() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let receiver = Receiver::start(&[]).unwrap();
    let hook = create_webhook(
        &app,
        token,
        &receiver.url,
        &["user.created", "role.created"],
    )
    .await;
    let limit = app
        .patch(
            "/api/v1/subscription",
            Some(token),
            &json!({"agent_limit": 1}),
        )
        .await;
    assert_eq!(limit.status(), StatusCode::OK);
    let role_id = app.role_id(token, "Agent").await;

    let refused = app
        .create_user_response(token, "asha@acme.example", &role_id, json!({}))
        .await;
    let role = app
        .post(
            "/api/v1/roles",
            Some(token),
            &json!({"name": "Auditors", "permissions": []}),
        )
        .await;

    let refused = problem(refused, StatusCode::CONFLICT).await;
    assert_eq!(refused["code"], "agent_limit_reached");
    assert_eq!(role.status(), StatusCode::CREATED);
    let received = receiver.wait_for(1, WITHIN).await.unwrap();
    assert_eq!(
        signed_body(&text(&hook["secret"]), &received[0])["type"],
        "role.created"
    );
    // The refused change rolled back with its event: the log (written in the changes'
    // transactions) has the role's delivery only.
    let log = deliveries(&app, token, &text(&hook["id"])).await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["event"], "role.created");
}

#[tokio::test]
async fn a_batch_and_a_distribution_are_one_event_each() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let receiver = Receiver::start(&[]).unwrap();
    let events = ["lead.created", "lead.batch_created", "leads.distributed"];
    let hook = create_webhook(&app, token, &receiver.url, &events).await;
    let secret = text(&hook["secret"]);
    // Nobody can take a lead yet (the admin's cap is 0): the batch stays in the pool.
    let batch = json!({"leads": [{"name": "A"}, {"name": "B"}, {"name": "C"}]});
    let created: Value = post_json(&app, "/api/v1/leads/batch", Some(token), &batch).await;
    let role_id = app.role_id(token, "Agent").await;
    let agent: Value = app
        .create_user_response(token, "asha@acme.example", &role_id, json!({"lead_cap": 5}))
        .await
        .json()
        .await
        .unwrap();

    let run: Value = post_json(&app, "/api/v1/leads/distribute", Some(token), &json!({})).await;

    assert_eq!(run["assigned"], 3);
    let received = receiver.wait_for(2, WITHIN).await.unwrap();
    let mut bodies: Vec<Value> = received.iter().map(|r| signed_body(&secret, r)).collect();
    bodies.sort_by_key(|b| text(&b["type"]));
    assert_eq!(bodies[0]["type"], "lead.batch_created");
    assert_eq!(bodies[0]["data"], json!({"ids": created["ids"]}));
    assert_eq!(bodies[1]["type"], "leads.distributed");
    let mut lead_ids = bodies[1]["data"]["per_user"][0]["lead_ids"]
        .as_array()
        .unwrap()
        .clone();
    lead_ids.sort_by_key(text);
    let mut batch_ids = created["ids"].as_array().unwrap().clone();
    batch_ids.sort_by_key(text);
    assert_eq!(lead_ids, batch_ids);
    assert_eq!(bodies[1]["data"]["assigned"], 3);
    assert_eq!(bodies[1]["data"]["per_user"][0]["user_id"], agent["id"]);
    assert_eq!(bodies[1]["data"]["per_user"].as_array().unwrap().len(), 1);
    let log = log_when(&app, token, &text(&hook["id"]), |items| {
        delivered(items) == 2
    })
    .await;
    assert_eq!(log.len(), 2, "no lead.created for the batch's leads");
}

#[tokio::test]
async fn a_deleted_record_is_sent_as_its_id() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let receiver = Receiver::start(&[]).unwrap();
    let hook = create_webhook(&app, token, &receiver.url, &["lead.deleted"]).await;
    let lead: Value = post_json(
        &app,
        "/api/v1/leads",
        Some(token),
        &json!({"name": "Meera"}),
    )
    .await;
    let path = format!("/api/v1/leads/{}", text(&lead["id"]));

    assert_eq!(
        app.delete(&path, Some(token)).await.status(),
        StatusCode::NO_CONTENT
    );

    let received = receiver.wait_for(1, WITHIN).await.unwrap();
    let body = signed_body(&text(&hook["secret"]), &received[0]);
    assert_eq!(body["type"], "lead.deleted");
    assert_eq!(body["data"], json!({"id": lead["id"]}));
}

/// Events and their delivery logs are kept 30 days: the purge deletes them only then.
#[tokio::test]
async fn the_purge_deletes_events_a_month_old_with_their_log() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let receiver = Receiver::start(&[]).unwrap();
    let hook = create_webhook(&app, token, &receiver.url, &["role.created"]).await;
    let hook_id = text(&hook["id"]);
    let body = json!({"name": "Auditors", "permissions": []});
    let role = app.post("/api/v1/roles", Some(token), &body).await;
    assert_eq!(role.status(), StatusCode::CREATED);
    log_when(&app, token, &hook_id, |items| delivered(items) == 1).await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 1,
    })
    .await
    .unwrap();

    let today = domain::webhooks::purge_old_events(&store, &Utc::now()).await;
    let month_on = Utc::now() + chrono::Duration::days(31);
    let later = domain::webhooks::purge_old_events(&store, &month_on).await;

    assert_eq!(today.unwrap(), 0, "a moment old: kept");
    assert_eq!(later.unwrap(), 1);
    assert_eq!(deliveries(&app, token, &hook_id).await["total"], 0);
}
