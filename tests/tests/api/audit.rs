use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, text};

#[tokio::test]
async fn every_change_leaves_an_event_without_secrets() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    app.patch(
        &path,
        token,
        &json!({"name": "Ravi K", "password": "another long secret", "mpin": "4821"}),
    )
    .await;
    app.patch(&path, token, &json!({"banned": true})).await;
    app.patch(&path, token, &json!({"banned": false})).await;
    app.delete(&path, token).await;
    app.post(
        "/api/v1/roles",
        token,
        &json!({"name": "Lead", "permissions": []}),
    )
    .await;
    app.patch("/api/v1/subscription", token, &json!({"agent_limit": 9}))
        .await;

    let response = app.get("/api/v1/audit-events", token).await;

    assert_eq!(response.status(), StatusCode::OK);
    let events: Value = response.json().await.unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "subscription.updated",
            "role.created",
            "user.deleted",
            "user.unbanned",
            "user.banned",
            "user.updated",
            "user.created"
        ]
    );
    let updated = &events["items"][5];
    assert_eq!(updated["changes"], json!(["name", "password", "mpin"]));
    assert_eq!(
        updated["actor"]["id"].as_str(),
        Some(admin.user_id.as_str())
    );
    assert_eq!(
        updated["target"],
        json!({"type": "user", "id": user["id"], "name": "User ravi@acme.example"})
    );
    assert_eq!(updated["ip"], "127.0.0.1");
    let leaked: Vec<String> = written_texts(&events)
        .into_iter()
        .filter(|t| t.contains("another long secret") || t.contains("4821") || t.contains("argon2"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");

    let filtered: Value = app
        .get("/api/v1/audit-events?action=user.banned", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 1);
    let by_actor: Value = app
        .get(
            &format!("/api/v1/audit-events?actor_id={}&per_page=2", admin.user_id),
            token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            by_actor["total"].as_u64(),
            by_actor["items"].as_array().unwrap().len()
        ),
        (Some(7), 2)
    );
}

#[tokio::test]
async fn companies_never_see_each_others_events() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    app.create_user(&acme.access_token, "ravi@acme.example", "Agent")
        .await;

    let events: Value = app
        .get("/api/v1/audit-events", Some(&globex.access_token))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(events["total"], 0);
}

/// Every text and number in `value`, and its keys, except ids and timestamps: a leaked
/// M-PIN's four digits would be in one of these, while any UUID or microsecond timestamp may
/// hold them by chance.
fn written_texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(s)
            if s.parse::<uuid::Uuid>().is_ok()
                || chrono::DateTime::parse_from_rfc3339(s).is_ok() =>
        {
            Vec::new()
        }
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(written_texts).collect(),
        Value::Object(fields) => fields
            .iter()
            .flat_map(|(key, field)| std::iter::once(key.clone()).chain(written_texts(field)))
            .collect(),
        _ => Vec::new(),
    }
}
