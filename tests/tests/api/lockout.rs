//! Password lockouts and the sign-in rate limit.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_sixth_attempt_after_five_wrong_passwords_is_locked_even_if_right() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    for attempt in 1..=5 {
        let wrong = app.login("acme", &admin.email, "wrong password!").await;
        assert_eq!(
            problem(wrong, StatusCode::UNAUTHORIZED).await["code"],
            "invalid_credentials",
            "attempt {attempt}"
        );
    }
    let right = app.login("acme", &admin.email, PASSWORD).await;

    assert_eq!(right.status(), StatusCode::LOCKED);
    let retry_after: i64 = right.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        problem(right, StatusCode::LOCKED).await["code"],
        "account_locked"
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&admin.access_token))
            .await
            .status(),
        StatusCode::OK,
        "sessions are untouched"
    );
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    for _ in 0..4 {
        app.login("acme", &admin.email, "wrong password!").await;
    }
    assert_eq!(
        app.login("acme", &admin.email, PASSWORD).await.status(),
        StatusCode::OK
    );

    for _ in 0..4 {
        app.login("acme", &admin.email, "wrong password!").await;
    }

    assert_eq!(
        app.login("acme", &admin.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_lock_allows_one_more_try() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    for _ in 0..5 {
        app.login("acme", &admin.email, "wrong password!").await;
    }
    // The lock ends: move it into the past rather than wait a minute.
    app.execute("UPDATE users SET locked_until = NULL").await;

    assert_eq!(
        app.login("acme", &admin.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_counted_one_by_one() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    let attempts =
        join_all((0..12).map(|_| app.login("acme", &admin.email, "wrong password!"))).await;

    let evaluated = attempts
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(evaluated, 5, "the rest were refused by the lock");
    let events: Value = app
        .get(
            "/api/v1/audit-events?action=auth.locked",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["total"], 1);
}

#[tokio::test]
async fn unknown_accounts_are_never_locked_and_stay_indistinguishable() {
    let app = spawn_app().await;
    app.signup("acme").await;
    for _ in 0..7 {
        let response = app
            .login("acme", "ghost@acme.example", "wrong password!")
            .await;
        assert_eq!(
            problem(response, StatusCode::UNAUTHORIZED).await["code"],
            "invalid_credentials"
        );
    }
}

/// Ten sign-ins at once against a burst of 3 refilled at 1/s: however slow the machine (each
/// answer costs an argon2 verify), they reach the limiter within seven seconds, so some are
/// refused; the rest are ordinary wrong sign-ins.
#[tokio::test]
async fn sign_in_requests_are_rate_limited_per_address() {
    let app = spawn_app_with(|config| {
        config.signin_rate = 1;
        config.signin_burst = 3;
    })
    .await;
    let body = json!({"company": "acme", "email": "a@acme.example", "password": "whatever!"});

    let answers = join_all((0..10).map(|_| app.post("/api/v1/auth/login", None, &body))).await;

    let (limited, passed): (Vec<_>, Vec<_>) = answers
        .into_iter()
        .partition(|r| r.status() == StatusCode::TOO_MANY_REQUESTS);
    assert!(
        passed.len() >= 3 && passed.len() < 10,
        "{} of 10 passed",
        passed.len()
    );
    assert!(
        passed
            .iter()
            .all(|r| r.status() == StatusCode::UNAUTHORIZED)
    );
    for refused in limited {
        assert_eq!(refused.headers()["retry-after"], "1");
        assert_eq!(
            problem(refused, StatusCode::TOO_MANY_REQUESTS).await["code"],
            "rate_limited"
        );
    }
    assert_eq!(
        app.get("/healthz", None).await.status(),
        StatusCode::OK,
        "other endpoints are not limited"
    );
}

#[tokio::test]
async fn the_default_rate_allows_twenty_sign_ins_a_second() {
    let app = spawn_app().await;
    let body = json!({"company": "acme", "email": "a@acme.example", "password": "whatever!"});

    let answers = join_all((0..20).map(|_| app.post("/api/v1/auth/login", None, &body))).await;

    assert!(
        answers
            .iter()
            .all(|r| r.status() == StatusCode::UNAUTHORIZED)
    );
}
