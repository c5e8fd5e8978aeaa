//! Mobile sign-in: a device registered by a password sign-in, then the 4-digit M-PIN.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, text};

/// A company whose agent `ravi@acme.example` has the M-PIN 4821.
async fn agent_with_mpin() -> (crate::helpers::TestApp, crate::helpers::Signup, String) {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let user = app
        .create_user_response(
            &admin.access_token,
            "ravi@acme.example",
            &role_id,
            json!({"mpin": "4821"}),
        )
        .await;
    let user: Value = user.json().await.unwrap();
    (app, admin, text(&user["id"]))
}

#[tokio::test]
async fn a_registered_device_signs_in_with_the_mpin() {
    let (app, _, user_id) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;

    let response = app
        .mpin_login("acme", "RAVI@acme.example", "4821", &device)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(text(&tokens["user"]["id"]), user_id);
    assert!(
        tokens.get("device_token").is_none(),
        "the device token is shown once, at registration"
    );
    let sessions: Value = app
        .get("/api/v1/me/sessions", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    let current: Vec<&Value> = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current[0]["device_name"], "Pixel 8");
}

#[tokio::test]
async fn made_up_foreign_and_missing_device_tokens_are_refused() {
    let (app, admin, _) = agent_with_mpin().await;
    let admin_device = app.register_device("acme", &admin.email).await;

    let made_up = app
        .mpin_login(
            "acme",
            "ravi@acme.example",
            "4821",
            "bm90IGEgcmVhbCB0b2tlbg",
        )
        .await;
    let someone_elses = app
        .mpin_login("acme", "ravi@acme.example", "4821", &admin_device)
        .await;
    let missing = app
        .post(
            "/api/v1/auth/mpin",
            None,
            &json!({"company": "acme", "email": "ravi@acme.example", "mpin": "4821"}),
        )
        .await;

    assert_eq!(
        problem(made_up, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
    assert_eq!(
        problem(someone_elses, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
    assert_eq!(
        problem(missing, StatusCode::BAD_REQUEST).await["code"],
        "bad_request"
    );
}

#[tokio::test]
async fn a_user_without_an_mpin_is_told_so_on_a_registered_device() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let device = app.register_device("acme", &admin.email).await;

    let response = app.mpin_login("acme", &admin.email, "4821", &device).await;

    assert_eq!(
        problem(response, StatusCode::CONFLICT).await["code"],
        "mpin_not_set"
    );
}

#[tokio::test]
async fn five_wrong_mpins_lock_it_until_a_password_sign_in() {
    let (app, _, _) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;

    for _ in 0..5 {
        let wrong = app
            .mpin_login("acme", "ravi@acme.example", "1357", &device)
            .await;
        assert_eq!(
            problem(wrong, StatusCode::UNAUTHORIZED).await["code"],
            "invalid_credentials"
        );
    }
    let right_but_locked = app
        .mpin_login("acme", "ravi@acme.example", "4821", &device)
        .await;
    assert_eq!(
        problem(right_but_locked, StatusCode::LOCKED).await["code"],
        "mpin_locked"
    );

    assert_eq!(
        app.login("acme", "ravi@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let unlocked = app
        .mpin_login("acme", "ravi@acme.example", "4821", &device)
        .await;
    assert_eq!(
        unlocked.status(),
        StatusCode::OK,
        "the device stayed registered"
    );
}

#[tokio::test]
async fn an_admin_mpin_reset_unlocks_it() {
    let (app, admin, user_id) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;
    for _ in 0..5 {
        app.mpin_login("acme", "ravi@acme.example", "1357", &device)
            .await;
    }

    app.patch(
        &format!("/api/v1/users/{user_id}"),
        Some(&admin.access_token),
        &json!({"mpin": "7391"}),
    )
    .await;

    assert_eq!(
        app.mpin_login("acme", "ravi@acme.example", "7391", &device)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn twenty_concurrent_wrong_mpins_get_at_most_five_evaluated() {
    let (app, _, _) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;

    let attempts =
        join_all((0..20).map(|_| app.mpin_login("acme", "ravi@acme.example", "1357", &device)))
            .await;

    let evaluated = attempts
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let locked = attempts
        .iter()
        .filter(|r| r.status() == StatusCode::LOCKED)
        .count();
    assert_eq!((evaluated, locked), (5, 15));
}

#[tokio::test]
async fn a_banned_users_right_mpin_gets_user_banned_and_the_device_stays() {
    let (app, admin, user_id) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;
    let path = format!("/api/v1/users/{user_id}");
    app.patch(&path, Some(&admin.access_token), &json!({"banned": true}))
        .await;

    let wrong = app
        .mpin_login("acme", "ravi@acme.example", "1357", &device)
        .await;
    let right = app
        .mpin_login("acme", "ravi@acme.example", "4821", &device)
        .await;

    assert_eq!(
        problem(wrong, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
    assert_eq!(
        problem(right, StatusCode::FORBIDDEN).await["code"],
        "user_banned"
    );
    app.patch(&path, Some(&admin.access_token), &json!({"banned": false}))
        .await;
    assert_eq!(
        app.mpin_login("acme", "ravi@acme.example", "4821", &device)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn weak_mpins_are_refused_when_set() {
    let (app, admin, user_id) = agent_with_mpin().await;
    for pin in ["0000", "1234", "9876", "1212", "12a4", "48213"] {
        let response = app
            .patch(
                &format!("/api/v1/users/{user_id}"),
                Some(&admin.access_token),
                &json!({"mpin": pin}),
            )
            .await;
        assert_eq!(
            problem(response, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
            "mpin",
            "{pin}"
        );
    }
}

#[tokio::test]
async fn mpin_sign_ins_leave_audit_events_with_ip_and_device() {
    let (app, admin, _) = agent_with_mpin().await;
    let device = app.register_device("acme", "ravi@acme.example").await;
    for _ in 0..5 {
        app.mpin_login("acme", "ravi@acme.example", "1357", &device)
            .await;
    }

    let events: Value = app
        .get(
            "/api/v1/audit-events?action=auth.mpin_locked",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(events["total"], 1);
    let event = &events["items"][0];
    assert_eq!(event["target"]["type"], "device");
    assert_eq!(event["target"]["name"], "Pixel 8");
    assert_eq!(event["ip"], "127.0.0.1");
    let failures: Value = app
        .get(
            "/api/v1/audit-events?action=auth.login_failed",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failures["total"], 5);
}
