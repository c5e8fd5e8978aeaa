//! Departments and branches share one implementation; both are exercised.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, text};

#[tokio::test]
async fn departments_and_branches_work_alike() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    for (collection, field) in [
        ("/api/v1/departments", "department_id"),
        ("/api/v1/branches", "branch_id"),
    ] {
        let created = app
            .post(collection, token, &json!({"name": " Sales "}))
            .await;
        assert_eq!(created.status(), StatusCode::CREATED, "{collection}");
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let group: Value = created.json().await.unwrap();
        assert_eq!(
            (group["name"].as_str(), group["users_count"].as_i64()),
            (Some("Sales"), Some(0))
        );
        assert_eq!(location, format!("{collection}/{}", text(&group["id"])));

        let taken = app.post(collection, token, &json!({"name": "sales"})).await;
        assert_eq!(
            problem(taken, StatusCode::CONFLICT).await["code"],
            "name_taken"
        );
        let blank = app.post(collection, token, &json!({"name": ""})).await;
        assert_eq!(
            problem(blank, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
            "name"
        );

        let role_id = app.role_id(&admin.access_token, "Agent").await;
        let email = format!("{}@acme.example", field.replace('_', "-"));
        let user = app
            .create_user_response(
                &admin.access_token,
                &email,
                &role_id,
                json!({field: group["id"]}),
            )
            .await;
        assert_eq!(user.status(), StatusCode::CREATED);
        let listed: Value = app.get(collection, token).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["users_count"], 1);
        assert_eq!(listed["total"], 1);

        let in_use = app.delete(&location, token).await;
        assert_eq!(
            problem(in_use, StatusCode::CONFLICT).await["code"],
            "in_use"
        );
        let renamed: Value = app
            .patch(&location, token, &json!({"name": "Inside Sales"}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(renamed["name"], "Inside Sales");
        let user: Value = user.json().await.unwrap();
        let user_path = format!("/api/v1/users/{}", text(&user["id"]));
        app.patch(&user_path, token, &json!({field: null})).await;
        assert_eq!(
            app.delete(&location, token).await.status(),
            StatusCode::NO_CONTENT
        );
    }
}
