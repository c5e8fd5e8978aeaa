//! (v1.1) Credentials an attacker can't keep: a ban ends sessions for good, your own secrets
//! change only through `/me`, whose password checks count like sign-ins; token answers are
//! never cached, no answer is sniffed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, spawn_app_with, text};

#[tokio::test]
async fn unbanning_does_not_bring_back_the_sessions_from_before_the_ban() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let login: Value = app
        .login("acme", "ravi@acme.example", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let (access, refresh) = (text(&login["access_token"]), text(&login["refresh_token"]));

    for banned in [true, false] {
        let answer = app
            .patch(&path, Some(&admin.access_token), &json!({"banned": banned}))
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
    }

    let me = app.get("/api/v1/me", Some(&access)).await;
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
    let again = app.login("acme", "ravi@acme.example", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn your_own_password_or_mpin_through_the_admin_path_is_a_self_action() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = format!("/api/v1/users/{}", admin.user_id);

    let password = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"password": "a brand new secret"}),
        )
        .await;
    let mpin = app
        .patch(&path, Some(&admin.access_token), &json!({"mpin": "4821"}))
        .await;
    let name = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"name": "Renamed"}),
        )
        .await;

    assert_eq!(
        problem(password, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
    assert_eq!(
        problem(mpin, StatusCode::CONFLICT).await["code"],
        "self_action"
    );
    assert_eq!(name.status(), StatusCode::OK);
    let me: Value = app
        .get("/api/v1/me", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["mpin_set"], false);
}

#[tokio::test]
async fn answers_with_tokens_are_never_stored_and_no_answer_is_sniffed() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;

    let login = app.login("acme", &admin.email, PASSWORD).await;
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    let signup = app
        .post(
            "/api/v1/signup",
            None,
            &json!({"company_name": "Globex", "admin": {"name": "Gita", "email": "gita@globex.example", "password": PASSWORD}}),
        )
        .await;
    let refused = app.login("acme", &admin.email, "wrong").await;
    let me = app.get("/api/v1/me", Some(&admin.access_token)).await;
    let health = app.get("/healthz", None).await;

    for answer in [&login, &refresh, &signup] {
        assert!(answer.status().is_success(), "{}", answer.url());
        assert_eq!(
            answer.headers()["cache-control"],
            "no-store",
            "{}",
            answer.url()
        );
    }
    for answer in [&login, &refresh, &signup, &refused, &me, &health] {
        assert_eq!(
            answer.headers()["x-content-type-options"],
            "nosniff",
            "{}",
            answer.url()
        );
    }
}

#[tokio::test]
async fn the_me_secret_checks_refuse_a_weak_value_whatever_the_password() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let weak_pin = app
        .request(
            Method::PUT,
            "/api/v1/me/mpin",
            token,
            Some(&json!({"password": "not it at all", "mpin": "1234"})),
        )
        .await;
    let weak_password = app
        .request(
            Method::PUT,
            "/api/v1/me/password",
            token,
            Some(&json!({"current_password": "not it at all", "new_password": "password1"})),
        )
        .await;

    let field = |body: Value| body["errors"][0]["field"].clone();
    assert_eq!(
        field(problem(weak_pin, StatusCode::UNPROCESSABLE_ENTITY).await),
        "mpin"
    );
    assert_eq!(
        field(problem(weak_password, StatusCode::UNPROCESSABLE_ENTITY).await),
        "new_password"
    );
}

#[tokio::test]
async fn five_wrong_current_passwords_on_me_lock_the_account_like_sign_in() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let app = &app;
    let guess = |password: &'static str| async move {
        let body = json!({"password": password, "mpin": "4821"});
        app.request(Method::PUT, "/api/v1/me/mpin", token, Some(&body))
            .await
    };

    for _ in 0..5 {
        assert_eq!(
            guess("not it at all").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let right = guess(PASSWORD).await;
    let sign_in = app.login("acme", &admin.email, PASSWORD).await;

    assert!(right.headers().contains_key("retry-after"));
    assert_eq!(
        problem(right, StatusCode::LOCKED).await["code"],
        "account_locked"
    );
    assert_eq!(
        problem(sign_in, StatusCode::LOCKED).await["code"],
        "account_locked"
    );
}

/// Signs in with the password on a new device; returns (access token, device token).
async fn sign_in_on_a_device(app: &crate::helpers::TestApp, email: &str) -> (String, String) {
    let body =
        json!({"company": "acme", "email": email, "password": PASSWORD, "device_name": "Pixel 8"});
    let tokens: Value = app
        .post("/api/v1/auth/login", None, &body)
        .await
        .json()
        .await
        .unwrap();
    (text(&tokens["access_token"]), text(&tokens["device_token"]))
}

#[tokio::test]
async fn a_password_change_evicts_every_other_device_and_an_admin_reset_every_device() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let (ravi, _) = sign_in_on_a_device(&app, "ravi@acme.example").await;
    let set_pin = json!({"password": PASSWORD, "mpin": "4821"});
    let pin_set = app
        .request(Method::PUT, "/api/v1/me/mpin", Some(&ravi), Some(&set_pin))
        .await;
    assert_eq!(pin_set.status(), StatusCode::NO_CONTENT);
    let (this_phone, this_token) = sign_in_on_a_device(&app, "ravi@acme.example").await;
    let (_, other_token) = sign_in_on_a_device(&app, "ravi@acme.example").await;

    let new_password = "a fresh long secret";
    let change = json!({"current_password": PASSWORD, "new_password": new_password});
    let changed = app
        .request(
            Method::PUT,
            "/api/v1/me/password",
            Some(&this_phone),
            Some(&change),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let evicted = app
        .mpin_login("acme", "ravi@acme.example", "4821", &other_token)
        .await;
    let kept = app
        .mpin_login("acme", "ravi@acme.example", "4821", &this_token)
        .await;
    assert_eq!(
        problem(evicted, StatusCode::UNAUTHORIZED).await["code"],
        "invalid_credentials"
    );
    assert_eq!(kept.status(), StatusCode::OK);

    let users: Value = app
        .get("/api/v1/users?q=ravi", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/users/{}", text(&users["items"][0]["id"]));
    let reset = json!({"password": "an admin's new secret"});
    let reset = app.patch(&path, Some(&admin.access_token), &reset).await;
    assert_eq!(reset.status(), StatusCode::OK);
    let after_reset = app
        .mpin_login("acme", "ravi@acme.example", "4821", &this_token)
        .await;
    assert_eq!(after_reset.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_names_the_device_it_signed_in_on() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let (on_phone, _) = sign_in_on_a_device(&app, &admin.email).await;

    let sessions: Value = app
        .get("/api/v1/me/sessions", Some(&on_phone))
        .await
        .json()
        .await
        .unwrap();

    let items = sessions["items"].as_array().unwrap();
    let phone = items.iter().find(|s| s["current"] == true).unwrap();
    let browser = items.iter().find(|s| s["current"] == false).unwrap();
    assert!(phone["device_id"].is_string());
    assert!(browser["device_id"].is_null());
}

#[tokio::test]
async fn a_session_ends_at_its_max_age_however_often_it_is_refreshed() {
    let app = spawn_app_with(|config| config.session_max_age = 1).await;
    let admin = app.signup("acme").await;
    let app = &app;
    let refresh = |token: String| async move {
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": token}),
        )
        .await
    };

    let early = refresh(admin.refresh_token.clone()).await;
    assert_eq!(early.status(), StatusCode::OK);
    let tokens: Value = early.json().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let late = refresh(text(&tokens["refresh_token"])).await;

    assert_eq!(
        problem(late, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
}
