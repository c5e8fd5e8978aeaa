//! Password lockouts and the sign-in rate limit.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, problem, spawn_app, spawn_app_with};

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

/// Status, problem code and `Retry-After` of six wrong sign-ins in a row at one identity.
async fn six_wrong(app: &TestApp, company: &str, email: &str) -> Vec<Value> {
    let mut answers = Vec::new();
    for _ in 0..6 {
        let response = app.login(company, email, "wrong password!").await;
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").is_some();
        let body: Value = response.json().await.unwrap();
        answers.push(json!([status, body["code"], retry_after]));
    }
    answers
}

/// The attack: six guesses at a made-up address answered 401 six times while a real one
/// locked, which told the attacker which addresses exist.
#[tokio::test]
async fn unknown_identities_lock_exactly_like_a_real_account() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let real = six_wrong(&app, "acme", &admin.email).await;
    let unknown_email = six_wrong(&app, "acme", "ghost@acme.example").await;
    let unknown_company = six_wrong(&app, "no-such-company", "ghost@acme.example").await;
    let same_in_other_case = app
        .login("acme", " GHOST@acme.example", "wrong password!")
        .await;

    let mut expected = vec![json!([401, "invalid_credentials", false]); 5];
    expected.push(json!([423, "account_locked", true]));
    assert_eq!(real, expected);
    assert_eq!(unknown_email, expected);
    assert_eq!(unknown_company, expected);
    assert_eq!(
        same_in_other_case.status(),
        StatusCode::LOCKED,
        "keyed by the normalised email"
    );
}

#[tokio::test]
async fn concurrent_guesses_at_an_unknown_identity_are_counted_one_by_one() {
    let app = spawn_app().await;
    app.signup("acme").await;

    let attempts =
        join_all((0..12).map(|_| app.login("acme", "ghost@acme.example", "wrong password!"))).await;

    let statuses: Vec<_> = attempts.iter().map(|r| r.status()).collect();
    let evaluated = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(evaluated, 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::UNAUTHORIZED, StatusCode::LOCKED].contains(s))
    );
}

/// An unknown identity's guard is deleted once its failures are forgotten (a day after the
/// last), and only then: it answers alike before and after.
#[tokio::test]
async fn the_purge_deletes_forgotten_identities_and_keeps_recent_ones() {
    let app = spawn_app().await;
    app.signup("acme").await;
    app.login("acme", "ghost@acme.example", "wrong password!")
        .await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 1,
    })
    .await
    .unwrap();

    let today = domain::auth::purge_forgotten_identities(&store, &chrono::Utc::now()).await;
    let two_days_on = chrono::Utc::now() + chrono::Duration::days(2);
    let later = domain::auth::purge_forgotten_identities(&store, &two_days_on).await;
    let again = domain::auth::purge_forgotten_identities(&store, &two_days_on).await;

    assert_eq!(today.unwrap(), 0, "failed a moment ago: remembered");
    assert_eq!(later.unwrap(), 1);
    assert_eq!(again.unwrap(), 0);
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
    // A different made-up address each: six guesses at one would lock it.
    let bodies: Vec<_> = (0..10).map(wrong_sign_in).collect();

    let answers = join_all(
        bodies
            .iter()
            .map(|body| app.post("/api/v1/auth/login", None, body)),
    )
    .await;

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
    let bodies: Vec<_> = (0..20).map(wrong_sign_in).collect();

    let answers = join_all(
        bodies
            .iter()
            .map(|body| app.post("/api/v1/auth/login", None, body)),
    )
    .await;

    assert!(
        answers
            .iter()
            .all(|r| r.status() == StatusCode::UNAUTHORIZED)
    );
}

/// A sign-in at the `n`th made-up address.
fn wrong_sign_in(n: usize) -> Value {
    json!({"company": "acme", "email": format!("a{n}@acme.example"), "password": "whatever!"})
}
