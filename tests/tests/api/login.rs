use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PASSWORD, problem, spawn_app};

#[tokio::test]
async fn the_admin_signs_in_with_any_case_of_email_and_code() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;

    let response = app
        .login("ACME", &signup.email.to_uppercase(), PASSWORD)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["user"]["id"].as_str(), Some(signup.user_id.as_str()));
    assert!(tokens.get("device_token").is_none());
    assert!(
        app.get("/api/v1/me", tokens["access_token"].as_str())
            .await
            .status()
            .is_success()
    );
}

#[tokio::test]
async fn unknown_company_unknown_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;

    let mut answers = Vec::new();
    for (company, email, password) in [
        ("nope", signup.email.as_str(), PASSWORD),
        ("acme", "nobody@acme.example", PASSWORD),
        ("acme", signup.email.as_str(), "wrong password!"),
        ("!!", "not an email", PASSWORD),
    ] {
        let body = problem(
            app.login(company, email, password).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        answers.push(body);
    }

    assert_eq!(answers[0]["code"], "invalid_credentials");
    for answer in &answers[1..] {
        assert_eq!(answer, &answers[0]);
    }
}

#[tokio::test]
async fn a_user_of_another_company_cannot_sign_in_with_this_code() {
    let app = spawn_app().await;
    app.signup("acme").await;
    let other = app.signup("globex").await;

    let response = app.login("acme", &other.email, PASSWORD).await;

    assert_eq!(
        problem(response, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
}

#[tokio::test]
async fn a_banned_user_is_told_so_only_after_the_right_password() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    app.execute(&format!(
        "UPDATE users SET banned = true WHERE email = '{}'",
        signup.email
    ))
    .await;

    let wrong = app.login("acme", &signup.email, "wrong password!").await;
    let right = app.login("acme", &signup.email, PASSWORD).await;

    assert_eq!(
        problem(wrong, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
    assert_eq!(
        problem(right, StatusCode::FORBIDDEN).await["code"],
        "user_banned"
    );
}
