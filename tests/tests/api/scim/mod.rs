//! SCIM 2.0 provisioning (CONTRACT.md v1.1) with an API key: discovery and Users in
//! `users`, Groups (roles) in `groups`; the helpers both use here.

mod groups;
mod users;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Signup, TestApp, text};

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const CALLIYO: &str = "urn:calliyo:params:scim:schemas:extension:2.0:User";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// An API key of `admin`'s company with `permissions`.
pub async fn key(app: &TestApp, admin: &Signup, permissions: &[&str]) -> String {
    let body = json!({"name": "Okta", "permissions": permissions});
    let created = app
        .post("/api/v1/api-keys", Some(&admin.access_token), &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    text(&created.json::<Value>().await.unwrap()["key"])
}

/// A key that may read and delete users (and so holds what an Agent's role grants).
pub async fn provisioning_key(app: &TestApp, admin: &Signup) -> String {
    let all = [
        "agent:read",
        "agent:write",
        "agent:delete",
        "management:read",
        "management:write",
        "task:read",
        "task:write",
    ];
    key(app, admin, &all).await
}

/// A SCIM answer's JSON, checking its status and media type.
pub async fn scim(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/scim+json"),
        "{content_type}"
    );
    response.json().await.expect("json")
}

/// A SCIM error, checking its shape.
pub async fn scim_error(response: Response, status: StatusCode) -> Value {
    let body = scim(response, status).await;
    assert_eq!(body["schemas"], json!([ERROR]));
    assert_eq!(body["status"], status.as_u16().to_string());
    assert!(body["detail"].is_string(), "{body}");
    body
}

/// A key with every permission of the catalogue, as the Company Admin holds.
pub async fn admin_key(app: &TestApp, admin: &Signup) -> String {
    let catalogue: Value = app
        .get("/api/v1/permissions", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    let mut all = Vec::new();
    for entry in catalogue["items"].as_array().unwrap() {
        for action in entry["actions"].as_array().unwrap() {
            all.push(format!("{}:{}", text(&entry["resource"]), text(action)));
        }
    }
    key(
        app,
        admin,
        &all.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await
}

/// A SCIM request with a JSON body in SCIM's media type.
pub async fn send(app: &TestApp, method: Method, path: &str, key: &str, body: &Value) -> Response {
    app.client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(key)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
}

/// A SCIM error's `scimType`, checking its shape.
pub async fn scim_type(response: Response, status: StatusCode) -> String {
    text(&scim_error(response, status).await["scimType"])
}

/// A SCIM `GET` that answers 200, as JSON.
pub async fn read(app: &TestApp, path: &str, key: &str) -> Value {
    scim(app.get(path, Some(key)).await, StatusCode::OK).await
}

/// A SCIM request's answer, checking its status and media type.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
    status: StatusCode,
) -> Value {
    scim(send(app, method, path, key, body).await, status).await
}

pub fn patch_op(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}
