//! What contract fuzzing (`.ci/fuzz.sh`, schemathesis) found, pinned as tests.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn a_page_far_past_the_end_is_empty_and_one_past_int64_is_a_400() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    // (page - 1) * per_page overflows the database's signed OFFSET: it used to crash the worker.
    for path in ["/api/v1/users", "/api/v1/roles", "/api/v1/me/sessions"] {
        let response = app
            .get(
                &format!("{path}?page=9223372036854775807&per_page=200"),
                token,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["items"], json!([]), "{path}");
        let response = app
            .get(&format!("{path}?page=9223372036854775808"), token)
            .await;
        problem(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn a_body_must_be_an_object_not_an_array_of_field_values() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let cases = [
        ("/api/v1/settings", json!([null, null])),
        (
            "/api/v1/settings",
            json!({"daily_top_up": [true, "10:00", "UTC"]}),
        ),
        ("/api/v1/subscription", json!([7])),
    ];
    for (path, body) in cases {
        let response = app.patch(path, token, &body).await;
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        assert!(
            text_of(&problem).contains("expected a JSON object"),
            "{path} {body}: {problem}"
        );
    }
    let response = app
        .post(
            "/api/v1/leads/batch",
            token,
            &json!({"leads": [["Globex", null, null, null, null, null]]}),
        )
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert!(text_of(&body).starts_with("leads[0]: "), "{body}");
    let response = app
        .post(
            "/api/v1/signup",
            None,
            &json!({"company_name": "Globex", "admin": ["Gita", "gita@globex.example", "a long password"]}),
        )
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert!(text_of(&body).starts_with("admin: "), "{body}");
}

#[tokio::test]
async fn a_top_up_time_is_exactly_hh_mm() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    for at in [" 9:30", "9:30 ", "+9:30"] {
        let response = app
            .patch(
                "/api/v1/settings",
                token,
                &json!({"daily_top_up": {"at": at}}),
            )
            .await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], "daily_top_up.at", "{at:?}");
    }
    let response = app
        .patch(
            "/api/v1/settings",
            token,
            &json!({"daily_top_up": {"at": "09:30"}}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_integer_may_be_written_as_a_whole_float_as_json_schema_allows() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let response = app
        .patch("/api/v1/subscription", token, &json!({"agent_limit": 7.0}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["agent_limit"], 7);
    let response = app
        .patch("/api/v1/subscription", token, &json!({"agent_limit": 7.5}))
        .await;
    problem(response, StatusCode::BAD_REQUEST).await;
    let agent = app.role_id(&admin.access_token, "Agent").await;
    let response = app
        .post(
            "/api/v1/users",
            token,
            &json!({"name": "Ravi", "email": "ravi@acme.example", "role_id": agent,
                    "password": "another long secret", "lead_cap": 25.0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["lead_cap"], 25);
}

#[tokio::test]
async fn a_nul_character_in_a_text_filter_matches_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    // PostgreSQL refuses NUL in a text value: these were 500s.
    for path in [
        "/api/v1/users?q=a%00b",
        "/api/v1/leads?q=%00",
        "/api/v1/audit-events?action=user.created%00",
    ] {
        let response = app.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["items"], json!([]), "{path}");
        assert_eq!(body["total"], 0, "{path}");
    }
}

fn text_of(problem: &Value) -> String {
    problem["detail"].as_str().unwrap_or_default().to_owned()
}
