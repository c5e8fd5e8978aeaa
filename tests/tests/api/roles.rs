use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, text};

#[tokio::test]
async fn a_company_starts_with_three_roles() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    let roles: Value = app
        .get("/api/v1/roles", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();

    let summary: Vec<(String, bool, usize, i64)> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                text(&r["name"]),
                r["system"].as_bool().unwrap(),
                r["permissions"].as_array().unwrap().len(),
                r["users_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Company Admin".into(), true, 33, 1),
            ("Agent".into(), false, 4, 0),
            ("Manager".into(), false, 15, 0)
        ]
    );
    assert_eq!(roles["total"], 3);
}

/// A company signed up before a resource joined the catalogue has no stored grant of it: the
/// Company Admin must hold it anyway (by construction, not by rows) and be able to grant it.
#[tokio::test]
async fn the_company_admin_holds_the_whole_catalogue_whatever_rows_are_stored() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.execute("DELETE FROM role_permissions WHERE permission LIKE 'settings:%'")
        .await;

    let me: Value = app
        .get("/api/v1/me", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    let held = me["permissions"].as_array().unwrap();
    assert_eq!(held.len(), 33);
    assert!(held.contains(&json!("settings:write")));
    let granted = app
        .post(
            "/api/v1/roles",
            Some(&admin.access_token),
            &json!({"name": "Settings Keeper", "permissions": ["settings:write"]}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn roles_are_created_renamed_regranted_and_deleted() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let created = app
        .post(
            "/api/v1/roles",
            token,
            &json!({"name": "Team Lead", "permissions": ["agent:read", "management:read"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let role: Value = created.json().await.unwrap();
    assert_eq!(
        role["permissions"],
        json!(["management:read", "agent:read"]),
        "catalogue order"
    );
    assert_eq!(location, format!("/api/v1/roles/{}", text(&role["id"])));

    let changed: Value = app
        .patch(
            &location,
            token,
            &json!({"name": "Lead", "permissions": ["task:read"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (changed["name"].as_str(), &changed["permissions"]),
        (Some("Lead"), &json!(["task:read"]))
    );

    assert_eq!(
        app.delete(&location, token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&location, token).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn role_rules_give_their_codes() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let system = format!(
        "/api/v1/roles/{}",
        app.role_id(&admin.access_token, "Company Admin").await
    );
    let agent = format!(
        "/api/v1/roles/{}",
        app.role_id(&admin.access_token, "Agent").await
    );
    app.create_user(&admin.access_token, "a@acme.example", "Agent")
        .await;

    let taken = app
        .post(
            "/api/v1/roles",
            token,
            &json!({"name": "MANAGER", "permissions": []}),
        )
        .await;
    assert_eq!(
        problem(taken, StatusCode::CONFLICT).await["code"],
        "name_taken"
    );
    let unknown = app
        .post(
            "/api/v1/roles",
            token,
            &json!({"name": "X", "permissions": ["agent:read", "agent:fly"]}),
        )
        .await;
    let unknown = problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(unknown["errors"][0]["field"], "permissions[1]");
    let edit_system = app.patch(&system, token, &json!({"name": "Boss"})).await;
    assert_eq!(
        problem(edit_system, StatusCode::CONFLICT).await["code"],
        "system_role"
    );
    let delete_system = app.delete(&system, token).await;
    assert_eq!(
        problem(delete_system, StatusCode::CONFLICT).await["code"],
        "system_role"
    );
    let in_use = app.delete(&agent, token).await;
    assert_eq!(
        problem(in_use, StatusCode::CONFLICT).await["code"],
        "in_use"
    );
}

#[tokio::test]
async fn a_permission_change_applies_to_holders_on_their_next_request() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.create_user(&admin.access_token, "a@acme.example", "Agent")
        .await;
    let agent = app.token_of("acme", "a@acme.example").await;
    assert_eq!(
        app.get("/api/v1/users", Some(&agent)).await.status(),
        StatusCode::FORBIDDEN
    );
    let agent_role = format!(
        "/api/v1/roles/{}",
        app.role_id(&admin.access_token, "Agent").await
    );

    app.patch(
        &agent_role,
        Some(&admin.access_token),
        &json!({"permissions": ["agent:read"]}),
    )
    .await;

    assert_eq!(
        app.get("/api/v1/users", Some(&agent)).await.status(),
        StatusCode::OK
    );
    let me: Value = app
        .get("/api/v1/me", Some(&agent))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["menu"], json!(["agent"]));
}
