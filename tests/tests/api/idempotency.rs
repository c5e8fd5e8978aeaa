//! `Idempotency-Key` (CONTRACT.md v1.1): a retried POST replays its first answer instead of
//! doing the work again.

use futures::future::join_all;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Signup, TestApp, problem, spawn_app, text};

/// A POST to `path` carrying `key`, signed in with `token` when given.
async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> Response {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("Idempotency-Key", key)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the request is sent")
}

fn replayed(response: &Response) -> bool {
    response
        .headers()
        .get("idempotency-replayed")
        .is_some_and(|v| v == "true")
}

async fn user_body(app: &TestApp, admin: &Signup, email: &str) -> Value {
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    json!({"name": "Asha Rao", "email": email, "role_id": role_id, "password": PASSWORD})
}

async fn total(app: &TestApp, admin: &Signup, path: &str) -> u64 {
    let list: Value = app
        .get(path, Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    list["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_repeated_post_replays_its_answer_and_creates_once() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let body = user_body(&app, &admin, "asha@acme.example").await;
    let token = Some(admin.access_token.as_str());

    let first = post_with_key(&app, "/api/v1/users", token, "create-asha", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(!replayed(&first));
    let location = first.headers()["location"].clone();
    let created: Value = first.json().await.unwrap();

    let again = post_with_key(&app, "/api/v1/users", token, "create-asha", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(replayed(&again));
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["content-type"], "application/json");
    let replay: Value = again.json().await.unwrap();
    assert_eq!(replay["id"], created["id"]);
    assert_eq!(
        total(&app, &admin, "/api/v1/users").await,
        2,
        "the admin and Asha"
    );
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let asha = user_body(&app, &admin, "asha@acme.example").await;
    let ravi = user_body(&app, &admin, "ravi@acme.example").await;
    let first = post_with_key(&app, "/api/v1/users", token, "k1", &asha).await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let other_body = post_with_key(&app, "/api/v1/users", token, "k1", &ravi).await;
    let body = problem(other_body, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "idempotency_key_reused");
    let other_path = post_with_key(&app, "/api/v1/roles", token, "k1", &asha).await;
    let body = problem(other_path, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "idempotency_key_reused");
    assert_eq!(total(&app, &admin, "/api/v1/users").await, 2);
}

#[tokio::test]
async fn keys_are_per_company() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let acme_body = user_body(&app, &acme, "asha@shared.example").await;
    let globex_body = user_body(&app, &globex, "asha@shared.example").await;

    let in_acme = post_with_key(
        &app,
        "/api/v1/users",
        Some(&acme.access_token),
        "same-key",
        &acme_body,
    )
    .await;
    assert_eq!(in_acme.status(), StatusCode::CREATED);
    let in_globex = post_with_key(
        &app,
        "/api/v1/users",
        Some(&globex.access_token),
        "same-key",
        &globex_body,
    )
    .await;
    assert_eq!(in_globex.status(), StatusCode::CREATED);
    assert!(!replayed(&in_globex));
    let acme_user: Value = in_acme.json().await.unwrap();
    let globex_user: Value = in_globex.json().await.unwrap();
    assert_ne!(acme_user["id"], globex_user["id"]);
    assert_eq!(total(&app, &globex, "/api/v1/users").await, 2);
}

#[tokio::test]
async fn concurrent_posts_with_one_key_create_one_lead() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let body = json!({"name": "Globex enquiry", "phone": "+14155550100"});

    let responses =
        join_all((0..5).map(|_| post_with_key(&app, "/api/v1/leads", token, "one-lead", &body)))
            .await;
    let mut ids = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => ids.push(text(&response.json::<Value>().await.unwrap()["id"])),
            StatusCode::CONFLICT => {
                let body = problem(response, StatusCode::CONFLICT).await;
                assert_eq!(body["code"], "idempotency_conflict");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(!ids.is_empty(), "one request at least ran");
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "replays of one lead: {ids:?}"
    );
    assert_eq!(total(&app, &admin, "/api/v1/leads").await, 1);
}

#[tokio::test]
async fn sign_up_and_sign_in_ignore_the_key() {
    let app = spawn_app().await;
    let signup = |code: &str| {
        json!({"company_name": "Acme", "company_code": code,
               "admin": {"name": "Asha Rao", "email": "asha@acme.example", "password": PASSWORD}})
    };
    for code in ["acme", "globex"] {
        let response = post_with_key(&app, "/api/v1/signup", None, "k", &signup(code)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{code}");
        assert!(!replayed(&response));
    }
    let login = |password: &str| json!({"company": "acme", "email": "asha@acme.example", "password": password});
    let wrong = post_with_key(&app, "/api/v1/auth/login", None, "k", &login("wrong-one")).await;
    problem(wrong, StatusCode::UNAUTHORIZED).await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..2 {
        let response = post_with_key(&app, "/api/v1/auth/login", None, "k", &login(PASSWORD)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!replayed(&response));
        let tokens: Value = response.json().await.unwrap();
        refresh_tokens.push(tokens["refresh_token"].clone());
    }
    assert_ne!(
        refresh_tokens[0], refresh_tokens[1],
        "two sign-ins, two sessions"
    );
}

#[tokio::test]
async fn an_unauthenticated_post_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let body = user_body(&app, &admin, "asha@acme.example").await;

    let anonymous = post_with_key(&app, "/api/v1/users", None, "k", &body).await;
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let forged = post_with_key(&app, "/api/v1/users", Some("not-a-token"), "k", &body).await;
    problem(forged, StatusCode::UNAUTHORIZED).await;

    let signed_in =
        post_with_key(&app, "/api/v1/users", Some(&admin.access_token), "k", &body).await;
    assert_eq!(signed_in.status(), StatusCode::CREATED);
    assert!(!replayed(&signed_in), "nothing was stored for the key");
}

#[tokio::test]
async fn a_refused_request_is_replayed_too() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let mut body = user_body(&app, &admin, "asha@acme.example").await;
    body["email"] = json!("not-an-email");

    let first = post_with_key(&app, "/api/v1/users", token, "bad", &body).await;
    let refused = problem(first, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused["code"], "validation_failed");
    let again = post_with_key(&app, "/api/v1/users", token, "bad", &body).await;
    assert!(replayed(&again));
    assert_eq!(
        problem(again, StatusCode::UNPROCESSABLE_ENTITY).await,
        refused
    );
}

#[tokio::test]
async fn a_running_key_conflicts_until_it_is_abandoned() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let body = json!({"name": "Globex enquiry", "phone": "+14155550100"});
    let first = post_with_key(&app, "/api/v1/leads", token, "crash", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);

    // As if the server had crashed after the change, before storing its answer.
    app.execute("UPDATE idempotency_keys SET status = NULL, body = NULL")
        .await;
    let running = post_with_key(&app, "/api/v1/leads", token, "crash", &body).await;
    let conflict = problem(running, StatusCode::CONFLICT).await;
    assert_eq!(conflict["code"], "idempotency_conflict");

    // Five minutes on, the claim is abandoned: the retry runs again (the known limit).
    app.execute("UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00Z'")
        .await;
    let retried = post_with_key(&app, "/api/v1/leads", token, "crash", &body).await;
    assert_eq!(retried.status(), StatusCode::CREATED);
    assert!(!replayed(&retried));
    let replay = post_with_key(&app, "/api/v1/leads", token, "crash", &body).await;
    assert!(replayed(&replay));
    assert_eq!(total(&app, &admin, "/api/v1/leads").await, 2);
}

#[tokio::test]
async fn a_key_over_255_characters_is_a_bad_request() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let body = user_body(&app, &admin, "asha@acme.example").await;
    let key = "k".repeat(256);
    let response = post_with_key(
        &app,
        "/api/v1/users",
        Some(&admin.access_token),
        &key,
        &body,
    )
    .await;
    let refused = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(refused["code"], "bad_request");
    assert_eq!(total(&app, &admin, "/api/v1/users").await, 1);
}

/// A key is kept for a day: the purge deletes it only then, and the key is free again.
#[tokio::test]
async fn the_purge_deletes_keys_a_day_old_and_frees_them() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let asha = user_body(&app, &admin, "asha@acme.example").await;
    let ravi = user_body(&app, &admin, "ravi@acme.example").await;
    post_with_key(&app, "/api/v1/users", token, "k1", &asha).await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 1,
    })
    .await
    .unwrap();

    let today = domain::idempotency::purge_expired_keys(&store, &chrono::Utc::now()).await;
    let two_days_on = chrono::Utc::now() + chrono::Duration::days(2);
    let later = domain::idempotency::purge_expired_keys(&store, &two_days_on).await;
    let reused = post_with_key(&app, "/api/v1/users", token, "k1", &ravi).await;

    assert_eq!(today.unwrap(), 0, "made a moment ago: kept");
    assert_eq!(later.unwrap(), 1);
    assert_eq!(reused.status(), StatusCode::CREATED, "a purged key is free");
}
