use api::Application;
use tests::harness;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_server_refuses_a_database_migrated_by_a_newer_version() {
    let app = spawn_app().await;
    app.execute("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000000_from_the_future', 0)")
        .await;
    let config = harness::config(&app.database_url).expect("config");

    let refused = Application::build(&config).await;

    let message = refused.err().map(|err| err.to_string()).unwrap_or_default();
    assert!(message.contains("newer version"), "{message:?}");
}

#[tokio::test]
async fn postgres_without_a_secret_refuses_to_start() {
    let app = spawn_app().await;
    let mut config = harness::config(&app.database_url).expect("config");
    config.jwt_secret = None;

    let result = Application::build(&config).await;

    if app.database_url.starts_with("postgres") {
        let message = result.err().map(|err| err.to_string()).unwrap_or_default();
        assert!(message.contains("CALLIYO_JWT_SECRET"), "{message:?}");
    } else {
        assert!(
            result.is_ok(),
            "SQLite generates a secret beside the database"
        );
        let path = app
            .database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default();
        let secret = std::path::Path::new(path).with_extension("jwt-secret");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&secret)
                .expect("secret file")
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// The path of a SQLite URL's database file, with `extension`.
fn beside(database_url: &str, extension: &str) -> std::path::PathBuf {
    let path = database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default();
    std::path::Path::new(path).with_extension(extension)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_mpin_pepper_is_its_own_secret() {
    let app = spawn_app().await;
    let mut existing = harness::config(&app.database_url).expect("config");
    existing.pin_pepper = None;

    let result = Application::build(&existing).await;

    if app.database_url.starts_with("postgres") {
        let message = result.err().map(|err| err.to_string()).unwrap_or_default();
        assert!(message.contains("CALLIYO_PIN_PEPPER"), "{message:?}");
        return;
    }
    assert!(result.is_ok());
    // A database from before the pepper had its own secret keeps the derived one, so its
    // M-PINs still verify.
    let legacy = api::security::mpin::PinPepper::legacy(harness::JWT_SECRET.as_bytes());
    let kept = std::fs::read_to_string(beside(&app.database_url, "pin-pepper")).unwrap();
    assert_eq!(kept, hex(legacy.key()));

    let fresh_database = harness::Database::sqlite().unwrap();
    let mut fresh = harness::config(&fresh_database.url).expect("config");
    fresh.pin_pepper = None;
    Application::build(&fresh).await.expect("started");
    let generated = beside(&fresh_database.url, "pin-pepper");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&generated).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let pepper = std::fs::read_to_string(&generated).unwrap();
    assert_ne!(
        pepper,
        hex(api::security::mpin::PinPepper::legacy(harness::JWT_SECRET.as_bytes()).key())
    );
    assert_eq!(pepper.len(), 64);
}
