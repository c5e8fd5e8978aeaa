//! The `calliyo` command's subcommands that touch the database.

use api::Cli;
use api::config::CompanyCommand;
use clap::Parser;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};

fn create(code: Option<&str>) -> CompanyCommand {
    CompanyCommand::Create {
        name: "Globex Corp".into(),
        code: code.map(Into::into),
        admin_name: "Gita Admin".into(),
        admin_email: "Gita@Globex.example".into(),
    }
}

#[tokio::test]
async fn company_create_makes_a_company_whose_admin_can_sign_in() {
    let app = spawn_app().await;
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = app.database_url.clone();

    let created =
        api::cli::create_company(&config, create(None), format!("{PASSWORD}\n").as_bytes())
            .await
            .expect("created");

    assert_eq!(created.code, "globex-corp");
    assert_eq!(
        app.login("globex-corp", "gita@globex.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn company_create_refuses_a_weak_password_and_a_taken_code() {
    let app = spawn_app().await;
    app.signup("globex").await;
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = app.database_url.clone();

    let weak =
        api::cli::create_company(&config, create(Some("other")), "password123\n".as_bytes()).await;
    let taken = api::cli::create_company(
        &config,
        create(Some("globex")),
        format!("{PASSWORD}\n").as_bytes(),
    )
    .await;

    assert!(weak.err().is_some_and(|e| e.to_string().contains("common")));
    assert!(
        taken
            .err()
            .is_some_and(|e| e.to_string().contains("CompanyCode"))
    );
}

#[tokio::test]
async fn admin_restore_brings_back_a_company_admin() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let other = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    let agent_role = app.role_id(&admin.access_token, "Agent").await;
    // The product lets the last admin give up the role: now nobody can administer the company.
    app.patch(
        &format!("/api/v1/users/{}", other["id"].as_str().unwrap()),
        Some(&admin.access_token),
        &serde_json::json!({"banned": true}),
    )
    .await;
    app.patch(
        &format!("/api/v1/users/{}", admin.user_id),
        Some(&admin.access_token),
        &serde_json::json!({"role_id": agent_role}),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/users", Some(&admin.access_token))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = app.database_url.clone();

    let restore = |email: &str| api::config::AdminCommand::Restore {
        company: "ACME".into(),
        email: email.into(),
    };
    let restored = api::cli::admin(&config, restore("RAVI@acme.example"))
        .await
        .expect("restored");
    let unknown = api::cli::admin(&config, restore("nobody@acme.example")).await;

    assert_eq!(restored.to_string(), other["id"].as_str().unwrap());
    let ravi = app.token_of("acme", "ravi@acme.example").await;
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&ravi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"]["name"], "Company Admin");
    assert!(
        unknown
            .err()
            .is_some_and(|e| e.to_string().contains("no user"))
    );
    let events: serde_json::Value = app
        .get("/api/v1/audit-events?action=user.restored", Some(&ravi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["actor"], serde_json::Value::Null);
}
