//! Two servers on one database, each with its own pool, as two replicas behind a load
//! balancer: racing requests are split between them and the invariants still hold, because
//! they are enforced by the database's locks, not by anything in one process.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_app_with, text};

#[tokio::test]
async fn seats_lead_caps_and_lockouts_hold_across_two_replicas() {
    let app = &spawn_app_with(|config| config.default_agent_limit = 4).await;
    let other = app.replica().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let role_id = app.role_id(token, "Agent").await;
    let servers = [app.address.as_str(), other.as_str()];

    // Seats: 3 left, 12 creations split between the replicas -> exactly 3.
    let creations = join_all((0..12).map(|i| {
        let body = json!({"name": format!("Agent {i}"), "email": format!("agent{i}@acme.example"), "role_id": role_id,
                          "password": crate::helpers::PASSWORD, "lead_cap": 2});
        async move { app.request_to(servers[i % 2], Method::POST, "/api/v1/users", Some(token), Some(&body)).await.status() }
    }))
    .await;
    assert_eq!(
        creations
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        3,
        "{creations:?}"
    );

    // Lead caps: one agent with cap 2, 10 assignments split between the replicas -> 2.
    app.patch(
        "/api/v1/settings",
        Some(token),
        &json!({"auto_assign_new_leads": false}),
    )
    .await;
    let agents: Value = app
        .get("/api/v1/users?q=agent&per_page=10", Some(token))
        .await
        .json()
        .await
        .unwrap();
    let agent = text(&agents["items"][0]["id"]);
    let leads: Vec<Value> = (0..10)
        .map(|i| json!({"name": format!("Lead {i}")}))
        .collect();
    let batch: Value = app
        .post("/api/v1/leads/batch", Some(token), &json!({"leads": leads}))
        .await
        .json()
        .await
        .unwrap();
    let assign = json!({"assignee_id": agent});
    let assignments = join_all(batch["ids"].as_array().unwrap().iter().enumerate().map(
        |(i, id)| {
            let path = format!("/api/v1/leads/{}", text(id));
            let assign = &assign;
            async move {
                app.request_to(
                    servers[i % 2],
                    Method::PATCH,
                    &path,
                    Some(token),
                    Some(assign),
                )
                .await
                .status()
            }
        },
    ))
    .await;
    assert_eq!(
        assignments.iter().filter(|s| **s == StatusCode::OK).count(),
        2,
        "{assignments:?}"
    );
    app.assert_no_held_drift().await;

    // Lockout: 10 wrong passwords split between the replicas -> 5 evaluated, the rest locked.
    let wrong = json!({"company": "acme", "email": admin.email, "password": "wrong password!"});
    let attempts = join_all((0..10).map(|i| {
        let wrong = &wrong;
        async move {
            app.request_to(
                servers[i % 2],
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(wrong),
            )
            .await
            .status()
        }
    }))
    .await;
    assert_eq!(
        attempts
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        5,
        "{attempts:?}"
    );
    assert_eq!(
        attempts
            .iter()
            .filter(|s| **s == StatusCode::LOCKED)
            .count(),
        5
    );
}

#[tokio::test]
async fn a_ban_on_one_replica_ends_the_session_on_the_other() {
    let app = &spawn_app_with(|_| {}).await;
    let other = app.replica().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let ravi = app.token_of("acme", "ravi@acme.example").await;
    let me = |base: String| {
        let ravi = ravi.clone();
        async move {
            app.request_to(&base, Method::GET, "/api/v1/me", Some(&ravi), None)
                .await
                .status()
        }
    };
    assert_eq!(
        me(other.clone()).await,
        StatusCode::OK,
        "a token from one replica works on the other"
    );

    app.patch(
        &format!("/api/v1/users/{}", text(&user["id"])),
        Some(&admin.access_token),
        &json!({"banned": true}),
    )
    .await;

    assert_eq!(me(other).await, StatusCode::UNAUTHORIZED);
}
