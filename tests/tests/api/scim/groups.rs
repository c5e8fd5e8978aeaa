//! SCIM Groups: the company's roles, whose members are the users holding them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{admin_key, call, key, patch_op, read, scim, scim_error, scim_type, send};
use crate::helpers::{TestApp, spawn_app, text};

#[tokio::test]
async fn roles_are_groups_whose_members_hold_them() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;

    let all = read(&app, "/scim/v2/Groups", &key).await;
    let agents = read(
        &app,
        "/scim/v2/Groups?filter=displayName%20eq%20%22agent%22",
        &key,
    )
    .await;
    let group_path = format!("/scim/v2/Groups/{}", text(&agents["Resources"][0]["id"]));
    let group = app.get(&group_path, Some(&key)).await;
    let etag = group.headers()["etag"].to_str().unwrap().to_owned();
    let group = scim(group, StatusCode::OK).await;
    let unsupported = app
        .get(
            "/scim/v2/Groups?filter=displayName%20co%20%22a%22",
            Some(&key),
        )
        .await;

    assert_eq!(all["totalResults"], 3);
    assert_eq!(agents["totalResults"], 1);
    assert_eq!(agents["Resources"][0]["displayName"], "Agent");
    assert_eq!(group["meta"]["version"], etag.as_str());
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    assert_eq!(group["members"][0]["value"], agent["id"]);
    assert_eq!(
        scim_type(unsupported, StatusCode::BAD_REQUEST).await,
        "invalidFilter"
    );
}

/// A group named `name`, created with `key`.
async fn new_group(app: &TestApp, key: &str, name: &str) -> Value {
    let body = json!({"displayName": name});
    call(
        app,
        Method::POST,
        "/scim/v2/Groups",
        key,
        &body,
        StatusCode::CREATED,
    )
    .await
}

/// A user's role name, as the JSON API shows it.
async fn role_of(app: &TestApp, token: &str, user: &Value) -> String {
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let shown: Value = app.get(&path, Some(token)).await.json().await.unwrap();
    text(&shown["role"]["name"])
}

#[tokio::test]
async fn a_group_created_by_a_provider_is_a_role_without_permissions_holding_its_members() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    // What Okta's group push sends.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Night shift",
        "members": [{"value": agent["id"], "display": "Ravi"}],
    });

    let created = send(&app, Method::POST, "/scim/v2/Groups", &key, &body).await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let group = scim(created, StatusCode::CREATED).await;
    let again = send(&app, Method::POST, "/scim/v2/Groups", &key, &body).await;
    let role_path = format!("/api/v1/roles/{}", text(&group["id"]));
    let role: Value = app
        .get(&role_path, Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();

    assert!(location.ends_with(&format!("/scim/v2/Groups/{}", text(&group["id"]))));
    assert_eq!(group["displayName"], "Night shift");
    assert_eq!(group["meta"]["version"], etag.as_str());
    assert_eq!(group["members"][0]["value"], agent["id"]);
    assert_eq!(
        (role["name"].clone(), role["permissions"].clone()),
        (json!("Night shift"), json!([]))
    );
    assert_eq!(
        role_of(&app, &admin.access_token, &agent).await,
        "Night shift"
    );
    assert_eq!(scim_type(again, StatusCode::CONFLICT).await, "uniqueness");
}

#[tokio::test]
async fn members_are_added_and_groups_renamed_in_either_providers_form() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let token = &admin.access_token;
    let ravi = app.create_user(token, "ravi@acme.example", "Agent").await;
    let asha = app.create_user(token, "asha@acme.example", "Agent").await;
    let group = new_group(&app, &key, "Sales").await;
    let path = format!("/scim/v2/Groups/{}", text(&group["id"]));

    let entra_add = patch_op(json!([
        {"op": "Add", "path": "members", "value": [{"value": ravi["id"]}]},
    ]));
    let okta_add = patch_op(json!([
        {"op": "add", "path": "members", "value": [{"value": asha["id"], "display": "asha"}]},
    ]));
    let okta_rename = patch_op(json!([
        {"op": "replace", "value": {"id": group["id"], "displayName": "Inside sales"}},
    ]));
    call(&app, Method::PATCH, &path, &key, &entra_add, StatusCode::OK).await;
    call(&app, Method::PATCH, &path, &key, &okta_add, StatusCode::OK).await;
    let renamed = call(
        &app,
        Method::PATCH,
        &path,
        &key,
        &okta_rename,
        StatusCode::OK,
    )
    .await;
    let entra_rename = patch_op(json!([
        {"op": "Replace", "path": "displayName", "value": "Sales"},
    ]));
    let renamed_back = call(
        &app,
        Method::PATCH,
        &path,
        &key,
        &entra_rename,
        StatusCode::OK,
    )
    .await;

    assert_eq!(renamed["displayName"], "Inside sales");
    assert_eq!(renamed_back["displayName"], "Sales");
    assert_eq!(renamed_back["members"].as_array().unwrap().len(), 2);
    assert_eq!(role_of(&app, token, &ravi).await, "Sales");
    assert_eq!(role_of(&app, token, &asha).await, "Sales");
    // Every move was the key's, in the audit trail.
    let events: Value = app
        .get("/api/v1/audit-events?action=user.updated", Some(token))
        .await
        .json()
        .await
        .unwrap();
    let moves = events["items"].as_array().unwrap();
    assert_eq!(moves.len(), 2, "{events}");
    assert!(
        moves
            .iter()
            .all(|e| e["actor"]["type"] == "api_key" && e["changes"] == json!(["role_id"]))
    );
}

#[tokio::test]
async fn a_member_is_never_removed_and_a_refused_request_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let token = &admin.access_token;
    let ravi = app.create_user(token, "ravi@acme.example", "Agent").await;
    let asha = app.create_user(token, "asha@acme.example", "Manager").await;
    let agents = read(
        &app,
        "/scim/v2/Groups?filter=displayName%20eq%20%22Agent%22",
        &key,
    )
    .await;
    let path = format!("/scim/v2/Groups/{}", text(&agents["Resources"][0]["id"]));
    let version = agents["Resources"][0]["meta"]["version"].clone();

    let okta_remove = patch_op(json!([
        {"op": "remove", "path": format!("members[value eq \"{}\"]", text(&ravi["id"]))},
    ]));
    let entra_remove = patch_op(json!([
        {"op": "Remove", "path": "members", "value": [{"value": ravi["id"]}]},
    ]));
    // Adds Asha, renames, and leaves Ravi out: the whole request is refused.
    let put_without_ravi = json!({
        "displayName": "Callers",
        "members": [{"value": asha["id"]}],
    });
    let removals = [
        send(&app, Method::PATCH, &path, &key, &okta_remove).await,
        send(&app, Method::PATCH, &path, &key, &entra_remove).await,
        send(&app, Method::PUT, &path, &key, &put_without_ravi).await,
    ];
    let mut kinds = Vec::new();
    for refused in removals {
        kinds.push(scim_type(refused, StatusCode::BAD_REQUEST).await);
    }
    let after = read(&app, &path, &key).await;
    let put_with_ravi = json!({
        "displayName": "Callers",
        "members": [{"value": ravi["id"]}, {"value": asha["id"]}],
    });
    let replaced = call(
        &app,
        Method::PUT,
        &path,
        &key,
        &put_with_ravi,
        StatusCode::OK,
    )
    .await;

    assert_eq!(kinds, ["mutability"; 3]);
    assert_eq!(after["displayName"], "Agent");
    assert_eq!(after["meta"]["version"], version);
    assert_eq!(role_of(&app, token, &asha).await, "Callers");
    assert_eq!(replaced["members"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_system_group_takes_members_but_is_never_renamed_or_deleted() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let ravi = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let admins = read(
        &app,
        "/scim/v2/Groups?filter=displayName%20eq%20%22Company%20Admin%22",
        &key,
    )
    .await;
    let path = format!("/scim/v2/Groups/{}", text(&admins["Resources"][0]["id"]));

    let rename = patch_op(json!([{"op": "replace", "path": "displayName", "value": "Owners"}]));
    let renamed = send(&app, Method::PATCH, &path, &key, &rename).await;
    let deleted = app
        .client
        .delete(format!("{}{path}", app.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let add = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": ravi["id"]}]}]));
    let added = call(&app, Method::PATCH, &path, &key, &add, StatusCode::OK).await;

    assert_eq!(
        scim_type(renamed, StatusCode::BAD_REQUEST).await,
        "mutability"
    );
    assert_eq!(
        scim_type(deleted, StatusCode::BAD_REQUEST).await,
        "mutability"
    );
    assert_eq!(added["displayName"], "Company Admin");
    assert_eq!(added["members"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_last_company_admin_never_moves_out_and_a_held_group_stays() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let team = new_group(&app, &key, "Team").await;
    let team_path = format!("/scim/v2/Groups/{}", text(&team["id"]));
    let move_admin = patch_op(json!([
        {"op": "add", "path": "members", "value": [{"value": admin.user_id}]},
    ]));
    let by_group = send(&app, Method::PATCH, &team_path, &key, &move_admin).await;
    let by_user = send(
        &app,
        Method::PATCH,
        &format!("/scim/v2/Users/{}", admin.user_id),
        &key,
        &patch_op(json!([{
            "op": "replace",
            "path": "urn:calliyo:params:scim:schemas:extension:2.0:User:role",
            "value": "Team",
        }])),
    )
    .await;
    let ravi = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let add_ravi = patch_op(json!([
        {"op": "add", "path": "members", "value": [{"value": ravi["id"]}]},
    ]));
    call(
        &app,
        Method::PATCH,
        &team_path,
        &key,
        &add_ravi,
        StatusCode::OK,
    )
    .await;
    let held = app
        .client
        .delete(format!("{}{team_path}", app.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let empty = new_group(&app, &key, "Empty").await;
    let removed = app
        .client
        .delete(format!(
            "{}/scim/v2/Groups/{}",
            app.address,
            text(&empty["id"])
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();

    assert!(scim_error(by_group, StatusCode::CONFLICT).await["detail"].is_string());
    scim_error(by_user, StatusCode::CONFLICT).await;
    assert_eq!(
        role_of(&app, &admin.access_token, &json!({"id": admin.user_id})).await,
        "Company Admin"
    );
    scim_error(held, StatusCode::CONFLICT).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn moving_members_takes_agent_write_and_never_escalates() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = &admin.access_token;
    let ravi = app.create_user(token, "ravi@acme.example", "Agent").await;
    // May edit roles and read users, not change them.
    let roles_only = key(&app, &admin, &["role:read", "role:write", "agent:read"]).await;
    // May change users, but holds less than the Company Admin it tries to move.
    let narrow = key(
        &app,
        &admin,
        &["role:read", "role:write", "agent:read", "agent:write"],
    )
    .await;
    let team = new_group(&app, &roles_only, "Team").await;
    let path = format!("/scim/v2/Groups/{}", text(&team["id"]));
    let add =
        |id: &Value| patch_op(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));

    let without_agent_write =
        send(&app, Method::PATCH, &path, &roles_only, &add(&ravi["id"])).await;
    let escalation = send(
        &app,
        Method::PATCH,
        &path,
        &narrow,
        &add(&json!(admin.user_id)),
    )
    .await;
    let unknown = send(
        &app,
        Method::PATCH,
        &path,
        &narrow,
        &add(&json!("not-a-user")),
    )
    .await;

    scim_error(without_agent_write, StatusCode::FORBIDDEN).await;
    scim_error(escalation, StatusCode::FORBIDDEN).await;
    assert_eq!(
        scim_type(unknown, StatusCode::BAD_REQUEST).await,
        "invalidValue"
    );
    assert_eq!(role_of(&app, token, &ravi).await, "Agent");
}
