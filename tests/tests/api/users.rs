// Over 400 lines: one test per rule of the users section of the contract; independent tests, kept in the contract's order.
//! Users: create, read, list, change, ban and delete.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, problem, spawn_app, spawn_app_with, text};

#[tokio::test]
async fn an_admin_creates_a_user_with_every_field() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let department: Value = app
        .post(
            "/api/v1/departments",
            Some(token),
            &json!({"name": "Sales"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let branch: Value = app
        .post("/api/v1/branches", Some(token), &json!({"name": "Pune"}))
        .await
        .json()
        .await
        .unwrap();
    let role_id = app.role_id(token, "Agent").await;

    let response = app
        .create_user_response(token, " Ravi@Acme.Example ", &role_id, json!({
            "name": "Ravi Kumar", "employee_code": "EMP-7", "phone": "+91 98123 45678",
            "department_id": department["id"], "branch_id": branch["id"], "mpin": "4821", "lead_cap": 25}))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/users/{}", text(&user["id"])));
    assert_eq!(user["email"], "ravi@acme.example");
    assert_eq!(user["employee_code"], "EMP-7");
    assert_eq!(user["phone"], "+919812345678");
    assert_eq!(user["department"]["name"], "Sales");
    assert_eq!(user["branch"]["name"], "Pune");
    assert_eq!(user["role"]["name"], "Agent");
    assert_eq!(user["lead_cap"], 25);
    assert_eq!(user["leads_held"], 0);
    assert_eq!(user["mpin_set"], true);
    assert_eq!(user["banned"], false);
    let fetched: Value = app.get(&location, Some(token)).await.json().await.unwrap();
    assert_eq!(fetched, user);
    assert!(!user.to_string().contains("argon2"));
    assert_eq!(
        app.login("acme", "RAVI@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn bad_fields_are_all_reported_in_one_422() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;

    let response = app
        .create_user_response(&admin.access_token, "not-an-email", &role_id, json!({
            "name": " ", "phone": "98123", "mpin": "1234", "lead_cap": -1, "password": "password123",
            "department_id": "0196b4c4-1f7e-7c2a-9c3e-000000000000"}))
        .await;

    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "email", "phone", "password", "mpin", "lead_cap"]
    );
}

#[tokio::test]
async fn ids_that_name_nothing_in_the_company_are_422_on_their_field() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app.signup("globex").await;
    let foreign_role = app.role_id(&other.access_token, "Agent").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;

    let with_foreign_role = app
        .create_user_response(
            &admin.access_token,
            "a@acme.example",
            &foreign_role,
            json!({}),
        )
        .await;
    let with_random_department = app
        .create_user_response(
            &admin.access_token,
            "b@acme.example",
            &role_id,
            json!({"department_id": "0196b4c4-1f7e-7c2a-9c3e-000000000000"}),
        )
        .await;

    let body = problem(with_foreign_role, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "role_id");
    let body = problem(with_random_department, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "department_id");
}

#[tokio::test]
async fn duplicate_email_and_employee_code_are_409s() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    app.create_user_response(
        &admin.access_token,
        "ravi@acme.example",
        &role_id,
        json!({"employee_code": "E1"}),
    )
    .await;

    let same_email = app
        .create_user_response(
            &admin.access_token,
            "RAVI@acme.example",
            &role_id,
            json!({}),
        )
        .await;
    let same_code = app
        .create_user_response(
            &admin.access_token,
            "other@acme.example",
            &role_id,
            json!({"employee_code": "E1"}),
        )
        .await;

    assert_eq!(
        problem(same_email, StatusCode::CONFLICT).await["code"],
        "email_taken"
    );
    assert_eq!(
        problem(same_code, StatusCode::CONFLICT).await["code"],
        "employee_code_taken"
    );
}

#[tokio::test]
async fn the_list_searches_filters_sorts_and_pages() {
    let app = spawn_app_with_users().await;
    let (app, token) = (&app.0, app.1.as_str());

    let all: Value = app
        .get("/api/v1/users?per_page=2&page=2&sort=name", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            all["page"].as_u64(),
            all["per_page"].as_u64(),
            all["total"].as_u64()
        ),
        (Some(2), Some(2), Some(4))
    );
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Chetan_x", "Deepa"],
        "after Asha Admin and Bina 100%"
    );

    let search = |q: &str| format!("/api/v1/users?q={q}&sort=-name");
    let found: Value = app
        .get(&search("CHET"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    let percent: Value = app
        .get(&search("%25"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(percent["items"][0]["name"], "Bina 100%", "% is literal");
    assert_eq!(percent["total"], 1);
    let underscore: Value = app
        .get(&search("n_x"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(underscore["total"], 1, "_ is literal");
    let by_phone: Value = app
        .get(&search("%2B9198"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_phone["items"][0]["name"], "Chetan_x");

    let banned: Value = app
        .get("/api/v1/users?banned=true", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(banned["total"], 0);
    let past_the_end: Value = app
        .get("/api/v1/users?page=9", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past_the_end["items"], json!([]));
    assert_eq!(past_the_end["total"], 4);
}

async fn spawn_app_with_users() -> (crate::helpers::TestApp, String) {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.clone();
    let role_id = app.role_id(&token, "Agent").await;
    for (name, email, phone) in [
        ("Bina 100%", "bina@acme.example", "+14155550100"),
        ("Chetan_x", "chetan@acme.example", "+919812345678"),
        ("Deepa", "deepa@acme.example", "+14155550101"),
    ] {
        let response = app
            .create_user_response(
                &token,
                email,
                &role_id,
                json!({"name": name, "phone": phone}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    (app, token)
}

#[tokio::test]
async fn unknown_query_values_are_400s() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    for query in [
        "sort=password",
        "banned=maybe",
        "role_id=xyz",
        "page=0",
        "per_page=201",
        "per_page=0",
        "colour=red",
    ] {
        let response = app
            .get(&format!("/api/v1/users?{query}"), Some(&admin.access_token))
            .await;
        assert_eq!(
            problem(response, StatusCode::BAD_REQUEST).await["code"],
            "bad_request",
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_malformed_or_foreign_id_in_the_path_is_404() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app.signup("globex").await;
    for path in [
        "/api/v1/users/not-a-uuid",
        &format!("/api/v1/users/{}", other.user_id),
    ] {
        let response = app.get(path, Some(&admin.access_token)).await;
        assert_eq!(
            problem(response, StatusCode::NOT_FOUND).await["code"],
            "not_found",
            "{path}"
        );
    }
    let patch = app
        .patch(
            &format!("/api/v1/users/{}", other.user_id),
            Some(&admin.access_token),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(patch.status(), StatusCode::NOT_FOUND);
    let delete = app
        .delete(
            &format!("/api/v1/users/{}", other.user_id),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patch_changes_fields_and_clears_nullable_ones() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let user = app.create_user(token, "ravi@acme.example", "Agent").await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let manager = app.role_id(token, "Manager").await;

    let response = app
        .patch(
            &path,
            Some(token),
            &json!({"name": "Ravi K", "phone": "+919812345678", "employee_code": "E9",
            "role_id": manager, "lead_cap": 10}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        (
            changed["name"].as_str(),
            changed["role"]["name"].as_str(),
            changed["lead_cap"].as_i64()
        ),
        (Some("Ravi K"), Some("Manager"), Some(10))
    );

    let cleared: Value = app
        .patch(
            &path,
            Some(token),
            &json!({"phone": null, "employee_code": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["phone"], Value::Null);
    assert_eq!(cleared["employee_code"], Value::Null);
    assert_eq!(cleared["name"], "Ravi K", "absent fields are left alone");
    let found: Value = app
        .get("/api/v1/users?q=RAVI%20K", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1, "the search follows a rename");
    let gone: Value = app
        .get("/api/v1/users?q=E9", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        gone["total"], 0,
        "a cleared employee code is no longer searched"
    );

    let bad = app
        .patch(&path, Some(token), &json!({"lead_cap": -5}))
        .await;
    assert_eq!(
        problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "lead_cap"
    );
    let wrong_type = app
        .patch(&path, Some(token), &json!({"banned": "yes"}))
        .await;
    assert_eq!(
        problem(wrong_type, StatusCode::BAD_REQUEST).await["code"],
        "bad_request"
    );
}

#[tokio::test]
async fn an_email_change_applies_at_once_and_keeps_sessions() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let user_token = app.token_of("acme", "ravi@acme.example").await;

    let response = app
        .patch(
            &format!("/api/v1/users/{}", text(&user["id"])),
            Some(&admin.access_token),
            &json!({"email": "R.Kumar@acme.example"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.login("acme", "ravi@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("acme", "r.kumar@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&user_token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_or_mpin_reset_signs_the_user_out() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));

    let before_password = app.token_of("acme", "ravi@acme.example").await;
    let reset = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"password": "a brand new secret"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", Some(&before_password)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("acme", "ravi@acme.example", "a brand new secret")
            .await
            .status(),
        StatusCode::OK
    );

    let before_mpin = app
        .login("acme", "ravi@acme.example", "a brand new secret")
        .await
        .json::<Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset: Value = app
        .patch(&path, Some(&admin.access_token), &json!({"mpin": "4821"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reset["mpin_set"], true);
    assert_eq!(
        app.get("/api/v1/me", Some(&before_mpin)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_ban_blocks_sign_in_and_ends_sessions_and_an_unban_restores_it() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let path = format!("/api/v1/users/{}", text(&user["id"]));
    let user_token = app.token_of("acme", "ravi@acme.example").await;

    let banned: Value = app
        .patch(&path, Some(&admin.access_token), &json!({"banned": true}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(banned["banned"], true);
    assert_eq!(
        app.get("/api/v1/me", Some(&user_token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app.login("acme", "ravi@acme.example", PASSWORD).await;
    assert_eq!(
        problem(login, StatusCode::FORBIDDEN).await["code"],
        "user_banned"
    );
    let seats: Value = app
        .get("/api/v1/subscription", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seats["seats_used"], 2, "a banned user keeps the seat");

    app.patch(&path, Some(&admin.access_token), &json!({"banned": false}))
        .await;
    assert_eq!(
        app.login("acme", "ravi@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_a_user_frees_the_seat_and_ends_sessions() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let user_token = app.token_of("acme", "ravi@acme.example").await;

    let response = app
        .delete(
            &format!("/api/v1/users/{}", text(&user["id"])),
            Some(&admin.access_token),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", Some(&user_token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let seats: Value = app
        .get("/api/v1/subscription", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seats["seats_used"], 1);
    let again = app
        .delete(
            &format!("/api/v1/users/{}", text(&user["id"])),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_search_matching_a_thousand_users_pages_like_one_matching_a_few() {
    let app = spawn_app_with(|config| config.default_agent_limit = 1_100).await;
    let company = tests::harness::sign_up(&app.client, &app.address, "acme", PASSWORD)
        .await
        .unwrap();
    tests::bench::seed_users(&app.database_url, &company, 1_000, |_| {
        tests::bench::UserSeed::default()
    })
    .await
    .unwrap();
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let token = Some(company.access_token.as_str());

    // Every seeded user (Agent 0 .. Agent 999) matches: the page is read in name order.
    let many: Value = app
        .get("/api/v1/users?q=AGENT&per_page=5", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(many["total"], 1_000);
    assert_eq!(
        names(&many),
        ["Agent 0", "Agent 1", "Agent 10", "Agent 100", "Agent 101"]
    );
    // Eleven match (Agent 99, Agent 990 .. 999): read through the index where there is one.
    let few: Value = app
        .get("/api/v1/users?q=agent%2099&per_page=5&page=2", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(few["total"], 11);
    assert_eq!(
        names(&few),
        [
            "Agent 994",
            "Agent 995",
            "Agent 996",
            "Agent 997",
            "Agent 998"
        ]
    );
}
