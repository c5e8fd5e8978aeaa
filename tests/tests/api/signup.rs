use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, spawn_app_with};

fn signup_body(code: Option<&str>, email: &str) -> Value {
    let mut body = json!({"company_name": "Acme Calls Pvt. Ltd.",
        "admin": {"name": "  Asha Rao ", "email": email, "password": PASSWORD}});
    if let Some(code) = code {
        body["company_code"] = json!(code);
    }
    body
}

#[tokio::test]
async fn signup_creates_the_company_and_signs_its_admin_in() {
    let app = spawn_app().await;

    let response = app
        .post(
            "/api/v1/signup",
            None,
            &signup_body(Some("acme"), " Asha@Example.COM "),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["company"]["code"], "acme");
    assert_eq!(body["company"]["name"], "Acme Calls Pvt. Ltd.");
    let user = &body["user"];
    assert_eq!(
        location,
        format!("/api/v1/users/{}", user["id"].as_str().expect("id"))
    );
    assert_eq!(user["name"], "Asha Rao");
    assert_eq!(user["email"], "asha@example.com");
    assert_eq!(user["role"]["name"], "Company Admin");
    assert_eq!(user["banned"], false);
    assert_eq!(user["mpin_set"], false);
    assert_eq!(user["lead_cap"], 0);
    assert_eq!(user["department"], Value::Null);
    let tokens = &body["tokens"];
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["user"]["id"], user["id"]);
    let text = body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains(PASSWORD),
        "no secret in the response"
    );

    let me = app.get("/api/v1/me", tokens["access_token"].as_str()).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn signup_without_a_code_derives_one_from_the_name() {
    let app = spawn_app().await;

    let first: Value = app
        .post("/api/v1/signup", None, &signup_body(None, "a@acme.example"))
        .await
        .json()
        .await
        .expect("json");
    let second: Value = app
        .post("/api/v1/signup", None, &signup_body(None, "b@acme.example"))
        .await
        .json()
        .await
        .expect("json");

    assert_eq!(first["company"]["code"], "acme-calls-pvt-ltd");
    let second_code = second["company"]["code"].as_str().expect("code");
    assert!(
        second_code.starts_with("acme-calls-pvt-ltd-")
            && second_code.len() == "acme-calls-pvt-ltd-".len() + 4,
        "{second_code}"
    );
}

#[tokio::test]
async fn a_taken_company_code_is_a_409_and_writes_nothing() {
    let app = spawn_app().await;
    app.signup("acme").await;

    let response = app
        .post(
            "/api/v1/signup",
            None,
            &signup_body(Some("ACME"), "other@acme.example"),
        )
        .await;

    let body = problem(response, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "company_code_taken");
    let login = app.login("acme", "other@acme.example", PASSWORD).await;
    assert_eq!(
        login.status(),
        StatusCode::UNAUTHORIZED,
        "the refused admin was not created"
    );
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;

    let response = app
        .post(
            "/api/v1/signup",
            None,
            &json!({"company_name": "  ", "company_code": "-x",
                    "admin": {"name": "", "email": "not-an-email", "password": "password123"}}),
        )
        .await;

    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "company_name",
            "company_code",
            "admin.name",
            "admin.email",
            "admin.password"
        ]
    );
}

#[tokio::test]
async fn a_password_equal_to_the_email_is_refused() {
    let app = spawn_app().await;
    let mut body = signup_body(Some("acme"), "asha.rao@example.com");
    body["admin"]["password"] = json!("Asha.Rao@example.com");

    let problem = problem(
        app.post("/api/v1/signup", None, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    assert_eq!(problem["errors"][0]["field"], "admin.password");
    assert_eq!(problem["errors"][0]["code"], "same_as_email");
}

#[tokio::test]
async fn the_minimum_password_length_is_configurable() {
    let app = spawn_app_with(|config| config.password_min_length = 30).await;

    let response = app
        .post(
            "/api/v1/signup",
            None,
            &signup_body(Some("acme"), "a@acme.example"),
        )
        .await;

    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["code"], "too_short");
}

#[tokio::test]
async fn signup_can_be_switched_off() {
    let app = spawn_app_with(|config| config.signup = false).await;

    let response = app
        .post(
            "/api/v1/signup",
            None,
            &signup_body(Some("acme"), "a@acme.example"),
        )
        .await;

    let body = problem(response, StatusCode::NOT_FOUND).await;
    assert_eq!(body["code"], "not_found");
}
