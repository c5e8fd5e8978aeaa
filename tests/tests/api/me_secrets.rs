//! A user's own password, M-PIN and sessions.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, text};

#[tokio::test]
async fn changing_the_password_ends_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app.token_of("acme", &admin.email).await;

    let response = app
        .request(
            Method::PUT,
            "/api/v1/me/password",
            Some(&admin.access_token),
            Some(&json!({"current_password": PASSWORD, "new_password": "a fresh long secret"})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", Some(&admin.access_token))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&other)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("acme", &admin.email, "a fresh long secret")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("acme", &admin.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_wrong_current_password_is_a_422_not_a_401() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let password = app
        .request(Method::PUT, "/api/v1/me/password", token,
            Some(&json!({"current_password": "not it at all", "new_password": "a fresh long secret"})))
        .await;
    let mpin = app
        .request(
            Method::PUT,
            "/api/v1/me/mpin",
            token,
            Some(&json!({"password": "not it at all", "mpin": "4821"})),
        )
        .await;
    let weak = app
        .request(
            Method::PUT,
            "/api/v1/me/password",
            token,
            Some(&json!({"current_password": PASSWORD, "new_password": "password1"})),
        )
        .await;

    assert_eq!(
        problem(password, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "current_password"
    );
    assert_eq!(
        problem(mpin, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "password"
    );
    assert_eq!(
        problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "new_password"
    );
}

#[tokio::test]
async fn a_user_sets_their_own_mpin_and_signs_in_with_it() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let device = app.register_device("acme", &admin.email).await;

    let weak = app
        .request(
            Method::PUT,
            "/api/v1/me/mpin",
            Some(&admin.access_token),
            Some(&json!({"password": PASSWORD, "mpin": "1111"})),
        )
        .await;
    let set = app
        .request(
            Method::PUT,
            "/api/v1/me/mpin",
            Some(&admin.access_token),
            Some(&json!({"password": PASSWORD, "mpin": "5093"})),
        )
        .await;

    assert_eq!(
        problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "mpin"
    );
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.mpin_login("acme", &admin.email, "5093", &device)
            .await
            .status(),
        StatusCode::OK
    );
    let me: Value = app
        .get("/api/v1/me", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["mpin_set"], true);
}

#[tokio::test]
async fn sessions_are_listed_and_ended_one_by_one() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let phone = app.token_of("acme", &admin.email).await;

    let sessions: Value = app
        .get("/api/v1/me/sessions", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["total"], 2);
    let phone_session = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap();

    let ended = app
        .delete(
            &format!("/api/v1/me/sessions/{}", text(&phone_session["id"])),
            Some(&admin.access_token),
        )
        .await;

    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", Some(&phone)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&admin.access_token))
            .await
            .status(),
        StatusCode::OK
    );
    let after: Value = app
        .get("/api/v1/me/sessions", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"], 1);
}

#[tokio::test]
async fn another_users_session_is_not_found() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app.signup("globex").await;
    let theirs: Value = app
        .get("/api/v1/me/sessions", Some(&other.access_token))
        .await
        .json()
        .await
        .unwrap();

    let response = app
        .delete(
            &format!("/api/v1/me/sessions/{}", text(&theirs["items"][0]["id"])),
            Some(&admin.access_token),
        )
        .await;

    assert_eq!(
        problem(response, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&other.access_token))
            .await
            .status(),
        StatusCode::OK
    );
}
