//! The `calliyo` command's subcommands.

use std::io::BufRead;

use domain::auth::{self, NewAdmin, SignedUpCompany};
use domain::{CompanyCode, CompanyName, Email, Name, Password, PasswordPolicy};

use uuid::Uuid;

use crate::config::{AdminCommand, CompanyCommand, Config};
use crate::security::passwords::PasswordHasher;
use crate::startup::{StartupError, open_store};

/// `calliyo migrate`.
pub async fn migrate(config: &Config) -> Result<(), StartupError> {
    let store = open_store(config).await?;
    persistence::migrate(&store).await?;
    store.close().await?;
    println!("database is up to date");
    Ok(())
}

/// `calliyo company create ...`: the admin's password is read from standard input, so it
/// never shows in the process list or the shell history.
pub async fn company(config: &Config, command: CompanyCommand) -> Result<(), StartupError> {
    let created = create_company(config, command, std::io::stdin().lock()).await?;
    println!(
        "created company {} ({}) with admin user {}",
        created.code, created.company_id, created.admin_id
    );
    Ok(())
}

/// Creates a company and its first admin, reading the password's line from `password`.
pub async fn create_company(
    config: &Config,
    command: CompanyCommand,
    mut password: impl BufRead,
) -> Result<SignedUpCompany, StartupError> {
    let CompanyCommand::Create {
        name,
        code,
        admin_name,
        admin_email,
    } = command;
    let invalid =
        |field: &str, err: domain::Invalid| StartupError::Config(format!("{field}: {err}"));
    let name = CompanyName::parse(&name).map_err(|e| invalid("--name", e))?;
    // A code derived from the name is used as it is: an operator would rather be told it
    // is taken than get a random suffix.
    let code = match code {
        Some(code) => CompanyCode::parse(&code).map_err(|e| invalid("--code", e))?,
        None => CompanyCode::from_name(&name, None),
    };
    let admin_name = Name::parse(&admin_name).map_err(|e| invalid("--admin-name", e))?;
    let admin_email = Email::parse(&admin_email).map_err(|e| invalid("--admin-email", e))?;
    let mut line = String::new();
    password.read_line(&mut line)?;
    let policy = PasswordPolicy {
        min_chars: config.password_min_length,
    };
    let password = Password::parse(
        line.trim_end_matches(['\r', '\n']),
        Some(&admin_email),
        policy,
    )
    .map_err(|e| invalid("password (stdin)", e))?;
    let password_hash = PasswordHasher::new(1)?
        .hash(password.expose().to_owned())
        .await?;

    let store = open_store(config).await?;
    persistence::migrate(&store).await?;
    let agent_limit = i32::try_from(config.default_agent_limit)
        .map_err(|_| StartupError::Config("the default agent limit is too large".into()))?;
    let admin = NewAdmin {
        name: admin_name,
        email: admin_email,
        password_hash,
    };
    let created = auth::register_company(&store, name, Some(code), agent_limit, admin).await?;
    store.close().await?;
    Ok(created)
}

/// `calliyo admin restore --company CODE --email EMAIL`.
pub async fn admin(config: &Config, command: AdminCommand) -> Result<Uuid, StartupError> {
    let AdminCommand::Restore { company, email } = command;
    let code = CompanyCode::parse(&company)
        .map_err(|e| StartupError::Config(format!("--company: {e}")))?;
    let email = Email::parse(&email).map_err(|e| StartupError::Config(format!("--email: {e}")))?;
    let store = open_store(config).await?;
    persistence::migrate(&store).await?;
    let restored = store
        .restore_admin(&code, &email)
        .await
        .map_err(|err| match err {
            persistence::StoreError::NotFound => StartupError::Config(format!(
                "no user {} in company {}",
                email.as_str(),
                code.as_str()
            )),
            other => other.into(),
        })?;
    store.close().await?;
    Ok(restored)
}
