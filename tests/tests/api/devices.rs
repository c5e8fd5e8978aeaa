//! (v1.1) Registered devices: listed and removed by their owner and, within the
//! no-escalation rules, by an admin; a removed device's token and sessions stop working.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, problem, spawn_app, text};

/// Signs in with the password on a new device named `name`; returns the tokens.
async fn sign_in_on(app: &TestApp, email: &str, name: &str) -> Value {
    let body =
        json!({"company": "acme", "email": email, "password": PASSWORD, "device_name": name});
    let response = app.post("/api/v1/auth/login", None, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn devices(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn you_list_your_devices_and_removing_one_ends_its_sign_ins() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let phone = sign_in_on(&app, &admin.email, "Phone").await;
    let tablet = sign_in_on(&app, &admin.email, "Tablet").await;
    let phone_access = text(&phone["access_token"]);

    let listed = devices(&app, "/api/v1/me/devices", &phone_access).await;
    let names: Vec<&str> = listed.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tablet", "Phone"]);
    assert_eq!(listed[1]["current"], true);
    assert_eq!(listed[0]["current"], false);

    let tablet_id = text(&listed[0]["id"]);
    let removed = app
        .delete(
            &format!("/api/v1/me/devices/{tablet_id}"),
            Some(&phone_access),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let tablet_me = app
        .get("/api/v1/me", Some(&text(&tablet["access_token"])))
        .await;
    assert_eq!(tablet_me.status(), StatusCode::UNAUTHORIZED);
    let again = app
        .delete(
            &format!("/api/v1/me/devices/{tablet_id}"),
            Some(&phone_access),
        )
        .await;
    assert_eq!(
        problem(again, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );
    assert_eq!(
        devices(&app, "/api/v1/me/devices", &phone_access)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_admin_removes_an_agents_device_but_a_manager_not_an_admins() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    app.create_user(&admin.access_token, "mina@acme.example", "Manager")
        .await;
    sign_in_on(&app, "ravi@acme.example", "Ravi's phone").await;
    sign_in_on(&app, &admin.email, "Admin's phone").await;
    let manager_token = app.token_of("acme", "mina@acme.example").await;
    let agent_path = format!("/api/v1/users/{}/devices", text(&agent["id"]));
    let admin_path = format!("/api/v1/users/{}/devices", admin.user_id);

    let agents = devices(&app, &agent_path, &admin.access_token).await;
    let by_manager = app.get(&admin_path, Some(&manager_token)).await;
    let agent_device = format!("{agent_path}/{}", text(&agents[0]["id"]));
    let removed = app.delete(&agent_device, Some(&admin.access_token)).await;

    assert_eq!(agents.len(), 1);
    assert_eq!(
        problem(by_manager, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(
        devices(&app, &agent_path, &admin.access_token)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn signing_in_on_an_eleventh_device_removes_the_least_recently_used() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let first = sign_in_on(&app, &admin.email, "Phone 0").await;
    for n in 1..=10 {
        sign_in_on(&app, &admin.email, &format!("Phone {n}")).await;
    }

    let listed = devices(&app, "/api/v1/me/devices", &admin.access_token).await;
    let first_token = text(&first["device_token"]);
    let pin = json!({"password": PASSWORD, "mpin": "4821"});
    let set = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/mpin",
            Some(&admin.access_token),
            Some(&pin),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let on_first = app
        .mpin_login("acme", &admin.email, "4821", &first_token)
        .await;

    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|d| d["name"] != "Phone 0"));
    assert_eq!(on_first.status(), StatusCode::UNAUTHORIZED);
}
