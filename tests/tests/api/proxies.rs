//! (v1.1) The client address behind trusted proxies: the rate limit's key and the audit
//! trail's `ip`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};

async fn login_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> StatusCode {
    let body = json!({"company": "acme", "email": email, "password": password});
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("X-Forwarded-For", forwarded_for)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

async fn last_login_ip(app: &TestApp, token: &str) -> Value {
    let events: Value = app
        .get("/api/v1/audit-events?action=auth.login", Some(token))
        .await
        .json()
        .await
        .unwrap();
    events["items"][0]["ip"].clone()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance_and_address() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        config.signin_rate = 1;
        config.signin_burst = 1;
    })
    .await;
    let admin = app.signup("acme").await;

    // Sent together, so that they arrive well within the one second the allowance refills
    // in, however slow a loaded machine makes the first (a sign-in hashes for ~20 ms).
    let (first, again) = tokio::join!(
        login_from(&app, "203.0.113.9", "nobody@acme.example", "wrong one"),
        login_from(
            &app,
            "6.6.6.6, 203.0.113.9",
            "nobody@acme.example",
            "wrong one",
        ),
    );
    let other = login_from(&app, "198.51.100.4", &admin.email, PASSWORD).await;

    let mut statuses = [first, again];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS],
        "a claimed hop left of the client changes nothing: one allowance for both"
    );
    assert_eq!(other, StatusCode::OK);
    assert_eq!(
        last_login_ip(&app, &admin.access_token).await,
        "198.51.100.4"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_header_is_ignored() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    let status = login_from(&app, "198.51.100.4", &admin.email, PASSWORD).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(last_login_ip(&app, &admin.access_token).await, "127.0.0.1");
}
