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

    assert_eq!(created.company.code, "globex-corp");
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
