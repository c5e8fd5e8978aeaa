use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn the_subscription_shows_and_changes_seats() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    app.create_user(&admin.access_token, "a@acme.example", "Agent")
        .await;

    let seats: Value = app
        .get("/api/v1/subscription", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seats,
        json!({"plan": "standard", "agent_limit": 5, "seats_used": 2, "seats_available": 3, "can_add_user": true})
    );

    let below = app
        .patch("/api/v1/subscription", token, &json!({"agent_limit": 1}))
        .await;
    assert_eq!(
        problem(below, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "agent_limit"
    );
    let negative = app
        .patch("/api/v1/subscription", token, &json!({"agent_limit": -3}))
        .await;
    assert_eq!(negative.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let exact: Value = app
        .patch("/api/v1/subscription", token, &json!({"agent_limit": 2}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            exact["seats_available"].as_i64(),
            exact["can_add_user"].as_bool()
        ),
        (Some(0), Some(false))
    );
}
