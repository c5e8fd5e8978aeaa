//! (v1.1) Credentials an attacker can't keep: a ban ends sessions for good, your own secrets
//! change only through `/me`, token answers are never cached, no answer is sniffed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, text};

#[tokio::test]
async fn unbanning_does_not_bring_back_the_sessions_from_before_the_ban() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let login: Value = app
        .login("acme", "ravi@acme.example", crate::helpers::PASSWORD)
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
    let again = app
        .login("acme", "ravi@acme.example", crate::helpers::PASSWORD)
        .await;
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

    let login = app
        .login("acme", &admin.email, crate::helpers::PASSWORD)
        .await;
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
            &json!({"company_name": "Globex", "admin": {"name": "Gita", "email": "gita@globex.example", "password": crate::helpers::PASSWORD}}),
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
