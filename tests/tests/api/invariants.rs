// Over 400 lines: each invariant's races (seats, last admin, bans) read best side by side; the tests are independent.
//! Seats, last admin, no escalation and not-yourself, including under concurrency.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, spawn_app_with, text};

#[tokio::test]
async fn the_agent_limit_caps_users_and_banned_ones_count() {
    let app = spawn_app_with(|config| config.default_agent_limit = 2).await;
    let admin = app.signup("acme").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let second = app
        .create_user(&admin.access_token, "b@acme.example", "Agent")
        .await;
    app.patch(
        &format!("/api/v1/users/{}", text(&second["id"])),
        Some(&admin.access_token),
        &json!({"banned": true}),
    )
    .await;

    let third = app
        .create_user_response(&admin.access_token, "c@acme.example", &role_id, json!({}))
        .await;

    let body = problem(third, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "agent_limit_reached");
    assert_eq!(
        body["detail"],
        "All 2 seats of the subscription are in use."
    );
}

#[tokio::test]
async fn with_one_seat_left_exactly_one_of_twenty_concurrent_creations_succeeds() {
    let app = spawn_app_with(|config| config.default_agent_limit = 3).await;
    let admin = app.signup("acme").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    app.create_user(&admin.access_token, "second@acme.example", "Agent")
        .await;

    let attempts = (0..20).map(|i| {
        let email = format!("racer{i}@acme.example");
        let (app, token, role_id) = (&app, admin.access_token.clone(), role_id.clone());
        async move {
            app.create_user_response(&token, &email, &role_id, json!({}))
                .await
                .status()
        }
    });
    let statuses = join_all(attempts).await;

    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let seats: Value = app
        .get("/api/v1/subscription", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seats["seats_used"], 3);
    assert_eq!(seats["seats_used"], seats["agent_limit"]);
    assert_eq!(seats["can_add_user"], false);
}

/// Only a holder of every permission can touch a Company Admin; a custom all-permission
/// role ("Owner") is how the last admin can be targeted by someone else.
async fn app_with_owner() -> (crate::helpers::TestApp, crate::helpers::Signup, String) {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let catalogue: Value = app
        .get("/api/v1/permissions", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    let everything: Vec<String> = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| {
            ["read", "write", "delete"]
                .map(|a| format!("{}:{a}", item["resource"].as_str().unwrap()))
        })
        .collect();
    let owner_role = app
        .post(
            "/api/v1/roles",
            Some(&admin.access_token),
            &json!({"name": "Owner", "permissions": everything}),
        )
        .await;
    assert_eq!(owner_role.status(), StatusCode::CREATED);
    app.create_user(&admin.access_token, "owner@acme.example", "Owner")
        .await;
    let owner = app.token_of("acme", "owner@acme.example").await;
    (app, admin, owner)
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_banned_or_deleted() {
    let (app, admin, owner) = app_with_owner().await;
    let admin_path = format!("/api/v1/users/{}", admin.user_id);

    let ban = app
        .patch(&admin_path, Some(&owner), &json!({"banned": true}))
        .await;
    let delete = app.delete(&admin_path, Some(&owner)).await;

    assert_eq!(
        problem(ban, StatusCode::CONFLICT).await["code"],
        "last_admin"
    );
    assert_eq!(
        problem(delete, StatusCode::CONFLICT).await["code"],
        "last_admin"
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&admin.access_token))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn banned_admins_do_not_count_as_remaining_admins() {
    let (app, admin, owner) = app_with_owner().await;
    let second = app
        .create_user(&admin.access_token, "second@acme.example", "Company Admin")
        .await;
    let second_path = format!("/api/v1/users/{}", text(&second["id"]));

    let first_ban = app
        .patch(
            &format!("/api/v1/users/{}", admin.user_id),
            Some(&owner),
            &json!({"banned": true}),
        )
        .await;
    assert_eq!(
        first_ban.status(),
        StatusCode::OK,
        "with two active admins one may be banned"
    );
    let second_ban = app
        .patch(&second_path, Some(&owner), &json!({"banned": true}))
        .await;
    let second_delete = app.delete(&second_path, Some(&owner)).await;

    assert_eq!(
        problem(second_ban, StatusCode::CONFLICT).await["code"],
        "last_admin"
    );
    assert_eq!(
        problem(second_delete, StatusCode::CONFLICT).await["code"],
        "last_admin"
    );
}

#[tokio::test]
async fn nobody_bans_or_deletes_themselves() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = format!("/api/v1/users/{}", admin.user_id);

    let ban = app
        .patch(&path, Some(&admin.access_token), &json!({"banned": true}))
        .await;
    let delete = app.delete(&path, Some(&admin.access_token)).await;

    assert_eq!(
        problem(ban, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
    assert_eq!(
        problem(delete, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
}

#[tokio::test]
async fn the_last_admin_may_change_role_as_the_product_always_allowed() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app
        .create_user(&admin.access_token, "second@acme.example", "Company Admin")
        .await;
    let agent_role = app.role_id(&admin.access_token, "Agent").await;
    app.delete(
        &format!("/api/v1/users/{}", text(&other["id"])),
        Some(&admin.access_token),
    )
    .await;

    let response = app
        .patch(
            &format!("/api/v1/users/{}", admin.user_id),
            Some(&admin.access_token),
            &json!({"role_id": agent_role}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn two_admins_banning_each_other_at_once_leave_one_active() {
    for _ in 0..3 {
        let app = spawn_app().await;
        let first = app.signup("acme").await;
        let second = app
            .create_user(&first.access_token, "second@acme.example", "Company Admin")
            .await;
        let second_token = app.token_of("acme", "second@acme.example").await;
        let first_path = format!("/api/v1/users/{}", first.user_id);
        let second_path = format!("/api/v1/users/{}", text(&second["id"]));

        let ban = json!({"banned": true});
        let (a, b) = tokio::join!(
            app.patch(&second_path, Some(&first.access_token), &ban),
            app.patch(&first_path, Some(&second_token), &ban),
        );

        let ok = [a.status(), b.status()]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count();
        assert_eq!(ok, 1, "{:?} {:?}", a.status(), b.status());
        let users: Value = app
            .get("/api/v1/users?banned=false", Some(&first.access_token))
            .await
            .json()
            .await
            .unwrap();
        let active_by_first = users["total"].as_u64();
        let users: Value = app
            .get("/api/v1/users?banned=false", Some(&second_token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(active_by_first.or(users["total"].as_u64()), Some(1));
    }
}

#[tokio::test]
async fn two_admins_deleting_each_other_at_once_leave_one() {
    for _ in 0..3 {
        let app = spawn_app().await;
        let first = app.signup("acme").await;
        let second = app
            .create_user(&first.access_token, "second@acme.example", "Company Admin")
            .await;
        let second_token = app.token_of("acme", "second@acme.example").await;

        let first_path = format!("/api/v1/users/{}", first.user_id);
        let second_path = format!("/api/v1/users/{}", text(&second["id"]));
        let (a, b) = tokio::join!(
            app.delete(&second_path, Some(&first.access_token)),
            app.delete(&first_path, Some(&second_token)),
        );

        let deleted = [a.status(), b.status()]
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count();
        assert_eq!(deleted, 1, "{:?} {:?}", a.status(), b.status());
        let survivors = [first.email.as_str(), "second@acme.example"];
        let mut signed_in = 0;
        for email in survivors {
            if app
                .login("acme", email, crate::helpers::PASSWORD)
                .await
                .status()
                == StatusCode::OK
            {
                signed_in += 1;
            }
        }
        assert_eq!(signed_in, 1);
    }
}

#[tokio::test]
async fn a_ban_racing_the_banned_users_requests_never_lets_a_later_one_through() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Manager")
        .await;
    let user_token = app.token_of("acme", "ravi@acme.example").await;

    let user_requests = join_all((0..10).map(|_| app.get("/api/v1/me", Some(&user_token))));
    let (path, body) = (
        format!("/api/v1/users/{}", text(&user["id"])),
        json!({"banned": true}),
    );
    let ban = app.patch(&path, Some(&admin.access_token), &body);
    let (_, ban) = tokio::join!(user_requests, ban);

    assert_eq!(ban.status(), StatusCode::OK);
    for _ in 0..5 {
        assert_eq!(
            app.get("/api/v1/me", Some(&user_token)).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn a_manager_cannot_escalate() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.create_user(&admin.access_token, "manager@acme.example", "Manager")
        .await;
    let manager = app.token_of("acme", "manager@acme.example").await;
    let admin_role = app.role_id(&admin.access_token, "Company Admin").await;
    let manager_role = app.role_id(&admin.access_token, "Manager").await;

    let grant_admin = app
        .create_user_response(&manager, "x@acme.example", &admin_role, json!({}))
        .await;
    assert_eq!(
        problem(grant_admin, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );

    let agent = app
        .create_user(&manager, "agent@acme.example", "Agent")
        .await;
    let promote = app
        .patch(
            &format!("/api/v1/users/{}", text(&agent["id"])),
            Some(&manager),
            &json!({"role_id": admin_role}),
        )
        .await;
    assert_eq!(
        problem(promote, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    let peer = app
        .patch(
            &format!("/api/v1/users/{}", text(&agent["id"])),
            Some(&manager),
            &json!({"role_id": manager_role}),
        )
        .await;
    assert_eq!(
        peer.status(),
        StatusCode::OK,
        "a manager may hand out its own role"
    );

    let edit_admin = app
        .patch(
            &format!("/api/v1/users/{}", admin.user_id),
            Some(&manager),
            &json!({"name": "Pwned"}),
        )
        .await;
    assert_eq!(
        problem(edit_admin, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    let role_beyond = app
        .post(
            "/api/v1/roles",
            Some(&manager),
            &json!({"name": "Billing", "permissions": ["billing:read"]}),
        )
        .await;
    assert_eq!(
        problem(role_beyond, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
}

#[tokio::test]
async fn a_role_without_the_permission_gets_403() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.create_user(&admin.access_token, "agent@acme.example", "Agent")
        .await;
    let agent = app.token_of("acme", "agent@acme.example").await;

    for path in [
        "/api/v1/users",
        "/api/v1/roles",
        "/api/v1/departments",
        "/api/v1/branches",
        "/api/v1/subscription",
        "/api/v1/audit-events",
    ] {
        let response = app.get(path, Some(&agent)).await;
        assert_eq!(
            problem(response, StatusCode::FORBIDDEN).await["code"],
            "forbidden",
            "{path}"
        );
    }
    let me: Value = app
        .get("/api/v1/me", Some(&agent))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["menu"], json!(["management", "task"]));
}
