//! SCIM discovery and Users: listing, filtering, creating, changing, deactivating and
//! removing users as Okta and Entra ID send the requests.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{
    CALLIYO, ENTERPRISE, USER, admin_key, call, key, patch_op, provisioning_key, read, scim,
    scim_error, scim_type, send,
};
use crate::helpers::{TestApp, spawn_app, text};

#[tokio::test]
async fn discovery_describes_what_the_server_supports() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = key(&app, &admin, &[]).await;

    let config = read(&app, "/scim/v2/ServiceProviderConfig", &key).await;
    let schemas = read(&app, "/scim/v2/Schemas", &key).await;
    let user_schema = read(&app, &format!("/scim/v2/Schemas/{USER}"), &key).await;
    let types = read(&app, "/scim/v2/ResourceTypes", &key).await;

    assert_eq!(
        config["filter"],
        json!({"supported": true, "maxResults": 200})
    );
    assert_eq!(config["etag"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(
        config["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    assert_eq!(schemas["totalResults"], 4);
    let names: Vec<&str> = user_schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"userName") && names.contains(&"active"),
        "{names:?}"
    );
    assert_eq!(types["Resources"][0]["endpoint"], "/Users");
    let missing = app.get("/scim/v2/Schemas/urn:nothing", Some(&key)).await;
    scim_error(missing, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn only_a_key_of_the_company_may_call_and_only_within_its_permissions() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let no_users = key(&app, &admin, &["settings:read"]).await;

    let anonymous = app.get("/scim/v2/Users", None).await;
    let person = app.get("/scim/v2/Users", Some(&admin.access_token)).await;
    let made_up = app.get("/scim/v2/Users", Some("cly_notakeyatall")).await;
    let forbidden = app.get("/scim/v2/Users", Some(&no_users)).await;

    for refused in [anonymous, person, made_up] {
        scim_error(refused, StatusCode::UNAUTHORIZED).await;
    }
    scim_error(forbidden, StatusCode::FORBIDDEN).await;
}

/// A listing that answers 200, as JSON.
async fn listed(app: &TestApp, key: &str, query: &str) -> Value {
    scim(list_users(app, key, query).await, StatusCode::OK).await
}

async fn list_users(app: &TestApp, key: &str, query: &str) -> Response {
    app.get(&format!("/scim/v2/Users?{query}"), Some(key)).await
}

#[tokio::test]
async fn users_are_listed_and_filtered_as_providers_ask() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let banned = app
        .patch(
            &format!("/api/v1/users/{}", text(&agent["id"])),
            Some(&admin.access_token),
            &json!({"banned": true}),
        )
        .await;
    assert_eq!(banned.status(), StatusCode::OK);

    let all = listed(&app, &key, "").await;
    let by_name = listed(&app, &key, "filter=userName%20eq%20%22RAVI@acme.example%22").await;
    let inactive = listed(&app, &key, "filter=active%20eq%20false").await;
    let contradiction = listed(
        &app,
        &key,
        "filter=userName%20eq%20%22a@acme.example%22%20and%20userName%20eq%20%22b@acme.example%22",
    )
    .await;
    let second_page = listed(&app, &key, "startIndex=2&count=1").await;

    assert_eq!(
        all["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(
        (all["totalResults"].as_u64(), all["itemsPerPage"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(by_name["totalResults"], 1);
    let ravi = &by_name["Resources"][0];
    assert_eq!(ravi["id"], agent["id"]);
    assert_eq!(ravi["userName"], "ravi@acme.example");
    assert_eq!(ravi["emails"][0]["value"], "ravi@acme.example");
    assert_eq!(ravi["active"], false);
    assert_eq!(ravi["groups"][0]["display"], "Agent");
    assert_eq!(ravi[CALLIYO]["role"], "Agent");
    assert_eq!(ravi["meta"]["resourceType"], "User");
    assert_eq!(inactive["totalResults"], 1);
    assert_eq!(inactive["Resources"][0]["id"], agent["id"]);
    assert_eq!(contradiction["totalResults"], 0);
    assert_eq!(
        (
            second_page["startIndex"].as_u64(),
            second_page["itemsPerPage"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(second_page["Resources"][0]["id"], agent["id"]);
}

#[tokio::test]
async fn an_unsupported_or_malformed_filter_is_an_invalid_filter() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;

    for filter in [
        "userName%20co%20%22acme%22",
        "userName%20eq%20%22a@acme.example%22%20or%20active%20eq%20true",
        "userName%20eq",
        "(userName%20eq%20%22x%22",
    ] {
        let response = app
            .get(&format!("/scim/v2/Users?filter={filter}"), Some(&key))
            .await;
        let error = scim_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error["scimType"], "invalidFilter", "{filter}");
    }
}

#[tokio::test]
async fn a_user_reads_with_its_version_and_other_companies_users_are_not_found() {
    let app = spawn_app().await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let key = provisioning_key(&app, &acme).await;
    let theirs = app
        .create_user(&globex.access_token, "agent@globex.example", "Agent")
        .await;

    let own = app
        .get(&format!("/scim/v2/Users/{}", acme.user_id), Some(&key))
        .await;
    let etag = own.headers()["etag"].to_str().unwrap().to_owned();
    let own = scim(own, StatusCode::OK).await;
    let foreign = app
        .get(
            &format!("/scim/v2/Users/{}", text(&theirs["id"])),
            Some(&key),
        )
        .await;
    let malformed = app.get("/scim/v2/Users/not-an-id", Some(&key)).await;

    assert_eq!(own["meta"]["version"], etag.as_str());
    assert!(
        own["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/scim/v2/Users/{}", acme.user_id))
    );
    assert_eq!(own["groups"][0]["display"], "Company Admin");
    scim_error(foreign, StatusCode::NOT_FOUND).await;
    scim_error(malformed, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn deleting_a_user_frees_the_seat_but_never_the_last_admin() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let agent = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/scim/v2/Users/{}", text(&agent["id"]));

    let deleted = app.delete(&path, Some(&key)).await;
    let gone = app.get(&path, Some(&key)).await;
    let last_admin = app
        .delete(&format!("/scim/v2/Users/{}", admin.user_id), Some(&key))
        .await;

    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    scim_error(gone, StatusCode::NOT_FOUND).await;
    let refused = scim_error(last_admin, StatusCode::CONFLICT).await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("Company Admin"),
        "{refused}"
    );
    let seats: Value = app
        .get("/api/v1/subscription", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seats["seats_used"], 1);
    let events: Value = app
        .get(
            "/api/v1/audit-events?action=user.deleted",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["actor"]["type"], "api_key");
}

/// What Okta sends to create a user (with the password it manages).
fn okta_user(email: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Ravi", "familyName": "Kumar"},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": "Ravi Kumar",
        "locale": "en-IN",
        "externalId": "00u1okta",
        "groups": [],
        "password": "a long okta secret",
        "active": true
    })
}

/// `POST /scim/v2/Users` with what Okta sends for `email`.
async fn create_okta_user(app: &TestApp, key: &str, email: &str) -> Response {
    send(app, Method::POST, "/scim/v2/Users", key, &okta_user(email)).await
}

/// What Microsoft Entra ID sends to create a user (no password).
fn entra_user(email: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "3a1f-entra",
        "userName": email,
        "active": true,
        "displayName": "Meera Iyer",
        "emails": [{"primary": true, "type": "work", "value": email}],
        "name": {"formatted": "Meera Iyer", "familyName": "Iyer", "givenName": "Meera"},
        ENTERPRISE: {"employeeNumber": "E-204", "department": "Sales"}
    })
}

#[tokio::test]
async fn okta_and_entra_create_users_as_they_send_them() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;
    let sales = app
        .post(
            "/api/v1/departments",
            Some(&admin.access_token),
            &json!({"name": "Sales"}),
        )
        .await;
    assert_eq!(sales.status(), StatusCode::CREATED);

    let okta = create_okta_user(&app, &key, "Ravi@Acme.example").await;
    let location = okta.headers()["location"].to_str().unwrap().to_owned();
    let okta = scim(okta, StatusCode::CREATED).await;
    let entra = send(
        &app,
        Method::POST,
        "/scim/v2/Users",
        &key,
        &entra_user("meera@acme.example"),
    )
    .await;
    let entra = scim(entra, StatusCode::CREATED).await;

    assert!(
        location.ends_with(&format!("/scim/v2/Users/{}", text(&okta["id"]))),
        "{location}"
    );
    assert_eq!(okta["userName"], "ravi@acme.example");
    assert_eq!(okta["displayName"], "Ravi Kumar");
    assert_eq!(okta["externalId"], "00u1okta");
    assert_eq!(okta["active"], true);
    assert_eq!(okta["groups"][0]["display"], "Agent");
    assert!(okta.get("password").is_none());
    assert_eq!(
        entra[ENTERPRISE],
        json!({"employeeNumber": "E-204", "department": "Sales"})
    );
    assert_eq!(
        app.login("acme", "ravi@acme.example", "a long okta secret")
            .await
            .status(),
        StatusCode::OK
    );
    // Created without a password: no password signs in until one is set.
    assert_eq!(
        app.login("acme", "meera@acme.example", "a long okta secret")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let set_password = patch_op(json!([
        {"op": "replace", "path": "password", "value": "a long okta secret"},
    ]));
    let path = format!("/scim/v2/Users/{}", text(&entra["id"]));
    call(
        &app,
        Method::PATCH,
        &path,
        &key,
        &set_password,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.login("acme", "meera@acme.example", "a long okta secret")
            .await
            .status(),
        StatusCode::OK
    );
    let by_external = listed(&app, &key, "filter=externalId%20eq%20%223a1f-entra%22").await;
    assert_eq!(by_external["Resources"][0]["id"], entra["id"]);
}

#[tokio::test]
async fn a_create_keeps_every_rule_of_the_json_api() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;

    let first = create_okta_user(&app, &key, "one@acme.example").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let taken = scim_error(
        create_okta_user(&app, &key, "ONE@acme.example").await,
        StatusCode::CONFLICT,
    )
    .await;
    let mut unknown_role = okta_user("two@acme.example");
    unknown_role[CALLIYO] = json!({"role": "Astronaut"});
    let unknown_role = send(&app, Method::POST, "/scim/v2/Users", &key, &unknown_role).await;
    let mut escalating = okta_user("two@acme.example");
    escalating[CALLIYO] = json!({"role": "Company Admin"});
    let escalating = send(&app, Method::POST, "/scim/v2/Users", &key, &escalating).await;
    for email in ["two", "three", "four"] {
        let created = send(
            &app,
            Method::POST,
            "/scim/v2/Users",
            &key,
            &okta_user(&format!("{email}@acme.example")),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let over_limit = scim_error(
        create_okta_user(&app, &key, "six@acme.example").await,
        StatusCode::CONFLICT,
    )
    .await;
    let not_json = app
        .client
        .post(format!("{}/scim/v2/Users", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_eq!(taken["scimType"], "uniqueness");
    assert_eq!(
        scim_type(unknown_role, StatusCode::BAD_REQUEST).await,
        "invalidValue"
    );
    scim_error(escalating, StatusCode::FORBIDDEN).await;
    assert!(
        over_limit["detail"].as_str().unwrap().contains("seats"),
        "{over_limit}"
    );
    assert_eq!(
        scim_type(not_json, StatusCode::BAD_REQUEST).await,
        "invalidSyntax"
    );
}

#[tokio::test]
async fn deactivation_bans_and_reactivation_lifts_it_in_either_providers_form() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;
    let created = create_okta_user(&app, &key, "ravi@acme.example").await;
    let path = format!(
        "/scim/v2/Users/{}",
        text(&scim(created, StatusCode::CREATED).await["id"])
    );
    let signed_in = app
        .login("acme", "ravi@acme.example", "a long okta secret")
        .await;
    let session = text(&signed_in.json::<Value>().await.unwrap()["access_token"]);

    // Entra ID: a path, and the boolean as a string.
    let entra = patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let deactivated = call(&app, Method::PATCH, &path, &key, &entra, StatusCode::OK).await;
    let signed_out = app.get("/api/v1/me", Some(&session)).await;
    let refused = app
        .login("acme", "ravi@acme.example", "a long okta secret")
        .await;
    // Okta: no path, an object value.
    let okta = patch_op(json!([{"op": "replace", "value": {"active": true}}]));
    let reactivated = call(&app, Method::PATCH, &path, &key, &okta, StatusCode::OK).await;

    assert_eq!(deactivated["active"], false);
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(reactivated["active"], true);
    assert_eq!(
        app.login("acme", "ravi@acme.example", "a long okta secret")
            .await
            .status(),
        StatusCode::OK
    );
    let events: Value = app
        .get(
            "/api/v1/audit-events?action=user.banned",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["actor"]["type"], "api_key");
}

#[tokio::test]
async fn the_last_company_admin_cannot_be_deactivated() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = admin_key(&app, &admin).await;
    let path = format!("/scim/v2/Users/{}", admin.user_id);

    let deactivate = patch_op(json!([{"op": "replace", "path": "active", "value": false}]));
    let refused = send(&app, Method::PATCH, &path, &key, &deactivate).await;

    let refused = scim_error(refused, StatusCode::CONFLICT).await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("Company Admin"),
        "{refused}"
    );
}

#[tokio::test]
async fn renames_by_patch_and_put_and_if_match_guards_them() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;
    let created = create_okta_user(&app, &key, "ravi@acme.example").await;
    let created = scim(created, StatusCode::CREATED).await;
    let path = format!("/scim/v2/Users/{}", text(&created["id"]));
    let stale = text(&created["meta"]["version"]);

    let rename = patch_op(json!([
        {"op": "Replace", "path": "name.givenName", "value": "Ravi"},
        {"op": "Replace", "path": "name.familyName", "value": "Shankar"},
        {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+919812345678"}
    ]));
    let renamed = call(&app, Method::PATCH, &path, &key, &rename, StatusCode::OK).await;
    let mut replacement = okta_user("ravi.s@acme.example");
    replacement["displayName"] = json!("Ravi S");
    let replaced = call(&app, Method::PUT, &path, &key, &replacement, StatusCode::OK).await;
    let guarded = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/scim+json")
        .header("if-match", stale)
        .body(rename.to_string())
        .send()
        .await
        .unwrap();

    assert_eq!(renamed["displayName"], "Ravi Shankar");
    assert_eq!(renamed["phoneNumbers"][0]["value"], "+919812345678");
    assert_eq!(replaced["displayName"], "Ravi S");
    assert_eq!(replaced["userName"], "ravi.s@acme.example");
    // A replacement clears what it leaves out.
    assert!(replaced.get("phoneNumbers").is_none(), "{replaced}");
    assert_eq!(guarded.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn answers_carry_the_attributes_asked_for_and_every_refusal_is_a_scim_error() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let key = provisioning_key(&app, &admin).await;
    // No name at all: the user is called by their email's local part.
    let created = call(
        &app,
        Method::POST,
        "/scim/v2/Users",
        &key,
        &json!({"userName": "ravi@acme.example"}),
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/scim/v2/Users/{}", text(&created["id"]));
    let by_extension_urn = patch_op(json!([
        {"op": "add", "path": ENTERPRISE, "value": {"employeeNumber": "E-7"}},
    ]));
    let patched = call(
        &app,
        Method::PATCH,
        &path,
        &key,
        &by_extension_urn,
        StatusCode::OK,
    )
    .await;

    let only = read(
        &app,
        &format!("{path}?attributes=userName,{ENTERPRISE}:employeeNumber"),
        &key,
    )
    .await;
    let except = listed(&app, &key, "excludedAttributes=displayName,emails,meta").await;
    let unknown_path = app.get("/scim/v2/Nothing", Some(&key)).await;
    let wrong_method = send(&app, Method::PUT, "/scim/v2/Users", &key, &json!({})).await;
    let allow = wrong_method.headers()["allow"].to_str().unwrap().to_owned();
    let search = send(
        &app,
        Method::POST,
        "/scim/v2/Users/.search",
        &key,
        &json!({}),
    )
    .await;

    assert_eq!(created["displayName"], "ravi");
    // Nothing of the enterprise extension assigned: neither it nor its URN is shown.
    assert!(created.get(ENTERPRISE).is_none(), "{created}");
    assert!(
        !created["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTERPRISE))
    );
    assert_eq!(patched[ENTERPRISE]["employeeNumber"], "E-7");
    assert_eq!(
        only,
        json!({"schemas": patched["schemas"], "id": created["id"],
               "userName": "ravi@acme.example", ENTERPRISE: {"employeeNumber": "E-7"}})
    );
    let listed = except["Resources"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|user| user.get("displayName").is_none()
        && user.get("emails").is_none()
        && user.get("meta").is_none()
        && user["userName"].is_string()));
    scim_error(unknown_path, StatusCode::NOT_FOUND).await;
    assert_eq!(allow, "GET, POST");
    scim_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
    scim_error(search, StatusCode::NOT_IMPLEMENTED).await;
}
