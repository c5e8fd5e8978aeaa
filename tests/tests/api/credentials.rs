//! (v1.1) Credentials an attacker can't keep: a ban ends sessions for good, your own secrets
//! change only through `/me`, whose password checks count like sign-ins; token answers are
//! never cached, no answer is sniffed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, text};

#[tokio::test]
async fn unbanning_does_not_bring_back_the_sessions_from_before_the_ban() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let login: Value = app
        .login("acme", "ravi@acme.example", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let (access, refresh) = (text(&login["access_token"]), text(&login["refresh_token"]));

    for banned in [true, false] {
        let answer = app
            .patch(&path, Some(&admin.access_token), &json!({"banned": banned}))
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
    }

    let me = app.get("/api/v1/me", Some(&access)).await;
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
    let again = app.login("acme", "ravi@acme.example", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn your_own_password_or_mpin_through_the_admin_path_is_a_self_action() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = format!("/api/v1/users/{}", admin.user_id);

    let password = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"password": "a brand new secret"}),
        )
        .await;
    let mpin = app
        .patch(&path, Some(&admin.access_token), &json!({"mpin": "4821"}))
        .await;
    let name = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"name": "Renamed"}),
        )
        .await;

    assert_eq!(
        problem(password, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
    assert_eq!(
        problem(mpin, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
    assert_eq!(name.status(), StatusCode::OK);
    let me: Value = app
        .get("/api/v1/me", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["mpin_set"], false);
}

#[tokio::test]
async fn answers_with_tokens_are_never_stored_and_no_answer_is_sniffed() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    let login = app.login("acme", &admin.email, PASSWORD).await;
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    let signup = app
        .post(
            "/api/v1/signup",
            None,
            &json!({"company_name": "Globex", "admin": {"name": "Gita", "email": "gita@globex.example", "password": PASSWORD}}),
        )
        .await;
    let refused = app.login("acme", &admin.email, "wrong").await;
    let me = app.get("/api/v1/me", Some(&admin.access_token)).await;
    let health = app.get("/healthz", None).await;

    for answer in [&login, &refresh, &signup] {
        assert!(answer.status().is_success(), "{}", answer.url());
        assert_eq!(
            answer.headers()["cache-control"],
            "no-store",
            "{}",
            answer.url()
        );
    }
    for answer in [&login, &refresh, &signup, &refused, &me, &health] {
        assert_eq!(
            answer.headers()["x-content-type-options"],
            "nosniff",
            "{}",
            answer.url()
        );
    }
}

#[tokio::test]
async fn the_me_secret_checks_refuse_a_weak_value_whatever_the_password() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let weak_pin = app
        .request(
            Method::PUT,
            "/api/v1/me/mpin",
            token,
            Some(&json!({"password": "not it at all", "mpin": "1234"})),
        )
        .await;
    let weak_password = app
        .request(
            Method::PUT,
            "/api/v1/me/password",
            token,
            Some(&json!({"current_password": "not it at all", "new_password": "password1"})),
        )
        .await;

    let field = |body: Value| body["errors"][0]["field"].clone();
    assert_eq!(
        field(problem(weak_pin, StatusCode::UNPROCESSABLE_ENTITY).await),
        "mpin"
    );
    assert_eq!(
        field(problem(weak_password, StatusCode::UNPROCESSABLE_ENTITY).await),
        "new_password"
    );
}

#[tokio::test]
async fn five_wrong_current_passwords_on_me_lock_the_account_like_sign_in() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let app = &app;
    let guess = |password: &'static str| async move {
        let body = json!({"password": password, "mpin": "4821"});
        app.request(Method::PUT, "/api/v1/me/mpin", token, Some(&body))
            .await
    };

    for _ in 0..5 {
        assert_eq!(
            guess("not it at all").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let right = guess(PASSWORD).await;
    let sign_in = app.login("acme", &admin.email, PASSWORD).await;

    assert!(right.headers().contains_key("retry-after"));
    assert_eq!(
        problem(right, StatusCode::LOCKED).await["code"],
        "account_locked"
    );
    assert_eq!(
        problem(sign_in, StatusCode::LOCKED).await["code"],
        "account_locked"
    );
}
