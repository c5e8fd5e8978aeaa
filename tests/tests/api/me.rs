use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PASSWORD, problem, spawn_app};

#[tokio::test]
async fn me_shows_the_user_company_permissions_and_menu() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;

    let response = app.get("/api/v1/me", Some(&signup.access_token)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.expect("json");
    assert_eq!(me["user"]["id"].as_str(), Some(signup.user_id.as_str()));
    assert_eq!(
        me["company"]["id"].as_str(),
        Some(signup.company_id.as_str())
    );
    assert_eq!(me["company"]["code"], "acme");
    assert_eq!(me["permissions"].as_array().expect("permissions").len(), 33);
    assert_eq!(me["permissions"][0], "management:read");
    let menu: Vec<&str> = me["menu"]
        .as_array()
        .expect("menu")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        menu,
        [
            "management",
            "task",
            "agent",
            "department",
            "branch",
            "role",
            "billing",
            "campaign",
            "workflow",
            "reports",
            "settings"
        ]
    );
}

#[tokio::test]
async fn a_role_change_applies_to_the_very_next_request() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    app.execute(&format!(
        "UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'Agent' AND company_id = users.company_id) \
         WHERE email = '{}'",
        signup.email
    ))
    .await;

    let me: Value = app
        .get("/api/v1/me", Some(&signup.access_token))
        .await
        .json()
        .await
        .expect("json");

    assert_eq!(me["user"]["role"]["name"], "Agent");
    assert_eq!(
        me["permissions"],
        serde_json::json!([
            "management:read",
            "management:write",
            "task:read",
            "task:write"
        ])
    );
    assert_eq!(me["menu"], serde_json::json!(["management", "task"]));
}

#[tokio::test]
async fn a_ban_ends_existing_sessions_on_the_next_request() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;
    app.execute(&format!(
        "UPDATE users SET banned = true WHERE email = '{}'",
        signup.email
    ))
    .await;

    let response = app.get("/api/v1/me", Some(&signup.access_token)).await;

    assert_eq!(
        problem(response, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &serde_json::json!({"refresh_token": signup.refresh_token}),
        )
        .await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_names_its_company_so_tenants_stay_apart() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;

    let acme_me: Value = app
        .get("/api/v1/me", Some(&acme.access_token))
        .await
        .json()
        .await
        .expect("json");
    let globex_login: Value = app
        .login("globex", &globex.email, PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    let globex_me: Value = app
        .get("/api/v1/me", globex_login["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");

    assert_eq!(acme_me["company"]["code"], "acme");
    assert_eq!(globex_me["company"]["code"], "globex");
    assert_ne!(acme_me["user"]["id"], globex_me["user"]["id"]);
}

#[tokio::test]
async fn the_permission_catalogue_lists_every_resource_in_sidebar_order() {
    let app = spawn_app().await;
    let signup = app.signup("acme").await;

    let catalogue: Value = app
        .get("/api/v1/permissions", Some(&signup.access_token))
        .await
        .json()
        .await
        .expect("json");

    let resources: Vec<&str> = catalogue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["resource"].as_str().expect("resource"))
        .collect();
    assert_eq!(
        resources,
        [
            "management",
            "task",
            "agent",
            "department",
            "branch",
            "role",
            "billing",
            "campaign",
            "workflow",
            "reports",
            "settings"
        ]
    );
    assert_eq!(
        catalogue["items"][0]["actions"],
        serde_json::json!(["read", "write", "delete"])
    );
    assert_eq!(catalogue["total"], 11);
}
