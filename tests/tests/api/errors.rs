//! The problem details every client error gets, whatever produced it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{\"company\": ")
        .send()
        .await
        .expect("sent");
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["code"], "bad_request");
    assert!(body.get("errors").is_none(), "errors[] is for 422 only");
}

#[tokio::test]
async fn unknown_missing_and_mistyped_fields_are_named_in_a_400() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"company": "acme", "email": "a@b.co", "password": "x", "pin": 1}),
            "unknown field `pin`",
        ),
        (
            json!({"company": "acme", "email": "a@b.co"}),
            "missing field `password`",
        ),
        (
            json!({"company_name": "Acme", "admin": {"name": "A", "email": 5, "password": "x"}}),
            "admin.email",
        ),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        let path = if i < 2 {
            "/api/v1/auth/login"
        } else {
            "/api/v1/signup"
        };
        let response = app.post(path, None, &body).await;
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem["code"], "bad_request");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(
            detail.contains(expected),
            "{detail:?} should mention {expected:?}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "text/plain")
        .body("company=acme")
        .send()
        .await
        .expect("sent");
    let body = problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(body["code"], "unsupported_media_type");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = spawn_app().await;
    let padding = "x".repeat(1024 * 1024);
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"company": padding, "email": "a", "password": "b"}),
        )
        .await;
    let body = problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = spawn_app_with(|config| config.max_body_bytes = 64).await;
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"company": "x".repeat(100), "email": "a", "password": "b"}),
        )
        .await;
    problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn a_malformed_bearer_token_is_a_401() {
    let app = spawn_app().await;
    for token in ["", "garbage", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"] {
        let body = problem(
            app.get("/api/v1/me", Some(token)).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert_eq!(body["code"], "unauthenticated");
    }
    let body = problem(app.get("/api/v1/me", None).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["code"], "unauthenticated");
}

/// A PATCH field that cannot be cleared used to take `null` and ignore it (`{"name": null}`
/// answered 200 with nothing changed): now it is a wrong type, named in a 400. A field that
/// can be cleared still is by `null`.
#[tokio::test]
async fn null_for_a_patch_field_that_cannot_be_cleared_is_a_400() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let user = format!("/api/v1/users/{}", agent["id"].as_str().unwrap());
    let role = format!(
        "/api/v1/roles/{}",
        app.role_id(&admin.access_token, "Agent").await
    );
    let cases = [
        (user.as_str(), json!({"name": null}), "name"),
        (user.as_str(), json!({"role_id": null}), "role_id"),
        (user.as_str(), json!({"lead_cap": null}), "lead_cap"),
        (user.as_str(), json!({"banned": null}), "banned"),
        (role.as_str(), json!({"permissions": null}), "permissions"),
        (
            "/api/v1/settings",
            json!({"daily_top_up": null}),
            "daily_top_up",
        ),
        (
            "/api/v1/settings",
            json!({"daily_top_up": {"timezone": null}}),
            "daily_top_up.timezone",
        ),
    ];

    for (path, body, field) in cases {
        let response = app.patch(path, token, &body).await;
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains(field), "{body}: {detail:?}");
        assert!(detail.contains("null"), "{body}: {detail:?}");
    }
    let cleared = app.patch(&user, token, &json!({"phone": null})).await;
    assert_eq!(cleared.status(), StatusCode::OK, "a clearable field");
    let after: serde_json::Value = app.get(&user, token).await.json().await.unwrap();
    assert_eq!(
        after["name"], agent["name"],
        "nothing changed by the refused ones"
    );
    assert_eq!(after["phone"], serde_json::Value::Null);
}
