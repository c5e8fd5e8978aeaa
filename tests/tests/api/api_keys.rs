//! API keys (CONTRACT.md v1.1): integrations call the API with `Bearer cly_...`, with exactly
//! the key's permissions, until the key is deleted or expires.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Signup, TestApp, problem, spawn_app, text};

/// A key named `name` with `permissions`, made by `admin`: its JSON (with `key`).
async fn create_key(app: &TestApp, admin: &Signup, name: &str, permissions: &[&str]) -> Value {
    let body = json!({"name": name, "permissions": permissions});
    let response = app
        .post("/api/v1/api-keys", Some(&admin.access_token), &body)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "creating key {name}"
    );
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_key_is_shown_once_and_listed_without_it() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let response = app
        .post(
            "/api/v1/api-keys",
            token,
            &json!({"name": "Zapier", "permissions": ["agent:read", "role:read"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let key = text(&created["key"]);

    assert_eq!(
        location,
        format!("/api/v1/api-keys/{}", text(&created["id"]))
    );
    assert!(key.starts_with("cly_") && key.len() == 44, "{key}");
    assert!(key[4..].chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
    assert!(key.starts_with(&text(&created["prefix"])));
    assert_eq!(created["permissions"], json!(["agent:read", "role:read"]));
    assert_eq!(created["expires_at"], Value::Null);
    assert_eq!(created["last_used_at"], Value::Null);
    let fetched: Value = app.get(&location, token).await.json().await.unwrap();
    let listed: Value = app
        .get("/api/v1/api-keys", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    for shown in [&fetched, &listed["items"][0]] {
        assert_eq!(shown["id"], created["id"]);
        assert_eq!(shown["prefix"], created["prefix"]);
        assert!(shown.get("key").is_none(), "{shown}");
        assert!(!shown.to_string().contains(&key[12..]), "{shown}");
    }
}

#[tokio::test]
async fn a_key_acts_for_its_company_with_exactly_its_permissions() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let globex_agent = app
        .create_user(&globex.access_token, "agent@globex.example", "Agent")
        .await;
    let secret = text(&create_key(&app, &acme, "Reader", &["agent:read"]).await["key"]);
    let key = Some(secret.as_str());

    let users: Value = app.get("/api/v1/users", key).await.json().await.unwrap();
    let roles = app.get("/api/v1/roles", key).await;
    let role_id = app.role_id(&acme.access_token, "Agent").await;
    let create = app
        .create_user_response(&secret, "new@acme.example", &role_id, json!({}))
        .await;
    let foreign = app
        .get(&format!("/api/v1/users/{}", text(&globex_agent["id"])), key)
        .await;

    assert_eq!(users["total"], 1);
    assert_eq!(users["items"][0]["email"], acme.email.as_str());
    assert_eq!(
        problem(roles, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    assert_eq!(
        problem(create, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    assert_eq!(
        problem(foreign, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
}

#[tokio::test]
async fn a_key_cannot_hold_more_than_its_creator() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let role = app
        .post(
            "/api/v1/roles",
            Some(&admin.access_token),
            &json!({"name": "Integrator", "permissions": ["settings:read", "settings:write", "agent:read"]}),
        )
        .await;
    let role: Value = role.json().await.unwrap();
    let user = app
        .create_user_response(
            &admin.access_token,
            "integrator@acme.example",
            &text(&role["id"]),
            json!({}),
        )
        .await;
    assert_eq!(user.status(), StatusCode::CREATED);
    let integrator = app.token_of("acme", "integrator@acme.example").await;

    let beyond = app
        .post(
            "/api/v1/api-keys",
            Some(&integrator),
            &json!({"name": "Sync", "permissions": ["agent:read", "agent:write"]}),
        )
        .await;
    let within = app
        .post(
            "/api/v1/api-keys",
            Some(&integrator),
            &json!({"name": "Sync", "permissions": ["agent:read"]}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/api-keys",
            Some(&admin.access_token),
            &json!({"name": "Sync", "permissions": ["agent:read", "agent:fly"]}),
        )
        .await;

    assert_eq!(
        problem(beyond, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    assert_eq!(within.status(), StatusCode::CREATED);
    let unknown = problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(unknown["errors"][0]["field"], "permissions[1]");
}

#[tokio::test]
async fn the_me_family_refuses_a_key() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = create_key(&app, &admin, "Everything", &["agent:read", "settings:read"]).await;
    let key = text(&key["key"]);

    let password_change =
        json!({"current_password": PASSWORD, "new_password": "a brand new secret"});
    let refused = [
        app.get("/api/v1/me", Some(&key)).await,
        app.get("/api/v1/me/sessions", Some(&key)).await,
        app.get("/api/v1/me/devices", Some(&key)).await,
        app.request(
            Method::PUT,
            "/api/v1/me/password",
            Some(&key),
            Some(&password_change),
        )
        .await,
    ];

    for response in refused {
        assert_eq!(
            problem(response, StatusCode::FORBIDDEN).await["code"],
            "forbidden"
        );
    }
}

#[tokio::test]
async fn a_deleted_or_made_up_key_is_refused_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let created = create_key(&app, &admin, "Old sync", &["agent:read"]).await;
    let key = text(&created["key"]);
    let location = format!("/api/v1/api-keys/{}", text(&created["id"]));
    assert_eq!(
        app.get("/api/v1/users", Some(&key)).await.status(),
        StatusCode::OK
    );

    let deleted = app.delete(&location, Some(&admin.access_token)).await;
    let after = app.get("/api/v1/users", Some(&key)).await;
    let again = app.delete(&location, Some(&admin.access_token)).await;
    let made_up = format!("cly_{}", "A".repeat(40));
    let made_up = app.get("/api/v1/users", Some(&made_up)).await;

    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        problem(after, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
    assert_eq!(
        problem(again, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
    assert_eq!(
        problem(made_up, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
}

#[tokio::test]
async fn a_key_works_until_it_expires_and_cannot_expire_in_the_past() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let at = |offset: chrono::Duration| {
        (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Millis, true)
    };

    let past = app
        .post(
            "/api/v1/api-keys",
            token,
            &json!({"name": "Late", "permissions": [], "expires_at": at(-chrono::Duration::minutes(1))}),
        )
        .await;
    let expiring = app
        .post(
            "/api/v1/api-keys",
            token,
            &json!({"name": "Brief", "permissions": ["agent:read"], "expires_at": at(chrono::Duration::seconds(5))}),
        )
        .await;
    let expiring: Value = expiring.json().await.unwrap();
    let key = text(&expiring["key"]);
    let before = app.get("/api/v1/users", Some(&key)).await;
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let after = app.get("/api/v1/users", Some(&key)).await;

    let past = problem(past, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(past["errors"][0]["field"], "expires_at");
    assert_eq!(before.status(), StatusCode::OK);
    assert_eq!(
        problem(after, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
}

#[tokio::test]
async fn changes_made_with_a_key_are_audited_with_the_key_as_actor() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let created = create_key(
        &app,
        &admin,
        "HR sync",
        // Creating an Agent takes every permission of the Agent role too (no escalation).
        &[
            "agent:read",
            "agent:write",
            "settings:read",
            "management:read",
            "management:write",
            "task:read",
            "task:write",
        ],
    )
    .await;
    let key = text(&created["key"]);
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let user = app
        .create_user_response(&key, "hired@acme.example", &role_id, json!({}))
        .await;
    assert_eq!(user.status(), StatusCode::CREATED);

    let events: Value = app
        .get("/api/v1/audit-events", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let by_action = |action: &str| {
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {events}"))
            .clone()
    };
    assert_eq!(
        by_action("user.created")["actor"],
        json!({"type": "api_key", "id": created["id"], "name": "HR sync"})
    );
    let key_created = by_action("api_key.created");
    assert_eq!(key_created["actor"]["type"], "user");
    assert_eq!(key_created["actor"]["id"], admin.user_id.as_str());
    assert_eq!(key_created["target"]["type"], "api_key");
    let listed: Value = app
        .get(
            &format!("/api/v1/api-keys/{}", text(&created["id"])),
            Some(&key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(listed["last_used_at"].is_string(), "{listed}");
}

#[tokio::test]
async fn a_retried_post_with_a_key_replays_its_first_answer() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let permissions = [
        "agent:write",
        "management:read",
        "management:write",
        "task:read",
        "task:write",
    ];
    let key = create_key(&app, &admin, "Forms", &permissions).await;
    let key = text(&key["key"]);
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let body = json!({"name": "Asha Rao", "email": "asha@acme.example", "role_id": role_id, "password": PASSWORD});
    let send = || {
        app.client
            .post(format!("{}/api/v1/users", app.address))
            .bearer_auth(&key)
            .header("Idempotency-Key", "form-42")
            .json(&body)
            .send()
    };

    let first = send().await.expect("sent");
    let retry = send().await.expect("sent");

    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let (first, retry): (Value, Value) = (first.json().await.unwrap(), retry.json().await.unwrap());
    assert_eq!(first["id"], retry["id"]);
}

#[tokio::test]
async fn a_key_of_another_company_is_not_found() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let theirs = create_key(&app, &globex, "Theirs", &[]).await;
    let path = format!("/api/v1/api-keys/{}", text(&theirs["id"]));

    let read = app.get(&path, Some(&acme.access_token)).await;
    let delete = app.delete(&path, Some(&acme.access_token)).await;

    assert_eq!(
        problem(read, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
    assert_eq!(
        problem(delete, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
    let still = app.get(&path, Some(&globex.access_token)).await;
    assert_eq!(still.status(), StatusCode::OK);
}
