//! Refresh-token rotation and sign-out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, text};

#[tokio::test]
async fn a_refresh_rotates_the_tokens() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;

    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": signup.refresh_token}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("json");
    assert_ne!(text(&tokens["refresh_token"]), signup.refresh_token);
    assert!(
        app.get("/api/v1/me", tokens["access_token"].as_str())
            .await
            .status()
            .is_success()
    );
    let again = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the new refresh token works"
    );
}

#[tokio::test]
async fn replaying_a_used_refresh_token_revokes_the_session() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    let rotated: Value = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": signup.refresh_token}),
        )
        .await
        .json()
        .await
        .expect("json");

    let replay = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": signup.refresh_token}),
        )
        .await;

    assert_eq!(
        problem(replay, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
    let current = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": rotated["refresh_token"]}),
        )
        .await;
    assert_eq!(
        current.status(),
        StatusCode::UNAUTHORIZED,
        "the whole session is revoked"
    );
    let me = app
        .get("/api/v1/me", rotated["access_token"].as_str())
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_rotate_at_most_once() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    let body = json!({"refresh_token": signup.refresh_token});

    let answers =
        futures::future::join_all((0..8).map(|_| app.post("/api/v1/auth/refresh", None, &body)))
            .await;

    let succeeded = answers
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    assert!(
        succeeded <= 1,
        "{succeeded} refreshes succeeded with one token"
    );
}

#[tokio::test]
async fn a_forged_refresh_token_is_refused_without_harm() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    let mut forged = signup.refresh_token.clone();
    forged.replace_range(
        forged.len() - 2..,
        if forged.ends_with("AA") { "AB" } else { "AA" },
    );

    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": forged}),
        )
        .await;

    assert_eq!(
        problem(response, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
    assert!(
        app.get("/api/v1/me", Some(&signup.access_token))
            .await
            .status()
            .is_success()
    );
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    let body = json!({"refresh_token": signup.refresh_token});

    let response = app.post("/api/v1/auth/logout", None, &body).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app.get("/api/v1/me", Some(&signup.access_token)).await;
    assert_eq!(
        problem(me, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
    let refresh = app.post("/api/v1/auth/refresh", None, &body).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    let again = app.post("/api/v1/auth/logout", None, &body).await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "signing out twice is harmless"
    );
}

#[tokio::test]
async fn logout_of_one_device_keeps_the_others() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    let phone: Value = app
        .login("acme", &signup.email, crate::helpers::PASSWORD)
        .await
        .json()
        .await
        .expect("json");

    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({"refresh_token": phone["refresh_token"]}),
    )
    .await;

    assert_eq!(
        app.get("/api/v1/me", phone["access_token"].as_str())
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.get("/api/v1/me", Some(&signup.access_token))
            .await
            .status()
            .is_success()
    );
}

#[tokio::test]
async fn the_purge_deletes_ended_sessions_and_keeps_live_ones() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let live_token = app.token_of("acme", &admin.email).await;
    let logout = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 1,
    })
    .await
    .unwrap();

    let today = domain::auth::purge_ended_sessions(&store, &chrono::Utc::now()).await;
    let two_days_on = chrono::Utc::now() + chrono::Duration::days(2);
    let later = domain::auth::purge_ended_sessions(&store, &two_days_on).await;

    assert_eq!(today.unwrap(), 0, "ended a moment ago: kept for a day");
    assert_eq!(
        later.unwrap(),
        1,
        "the signed-out session, not the live one"
    );
    let live = app.get("/api/v1/me", Some(&live_token)).await;
    assert_eq!(live.status(), StatusCode::OK);
}
