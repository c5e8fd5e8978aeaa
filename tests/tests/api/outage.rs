//! (v1.1) A database outage costs 503 `unavailable` with `Retry-After`, never a 500, and the
//! server serves again by itself once the database is back. PostgreSQL only: there, another
//! session can refuse the app's connections and cut the ones it holds (an embedded SQLite
//! file cannot go away like that).

use reqwest::StatusCode;
use tests::harness::Database;

use crate::helpers::{problem, spawn_app};

/// Refuses new connections to the app's database and terminates the open ones, or lets
/// connections in again, through the server's maintenance database.
async fn set_reachable(database_url: &str, reachable: bool) {
    let (server, name) = database_url.rsplit_once('/').unwrap();
    let maintenance = Database::given(&format!("{server}/postgres"));
    let allow = format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS {reachable}"#);
    maintenance.execute(&allow).await.unwrap();
    if !reachable {
        let cut = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        );
        maintenance.execute(&cut).await.unwrap();
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_and_the_server_recovers_by_itself() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        return;
    }
    let admin = app.signup("acme").await;

    set_reachable(&app.database_url, false).await;
    let during = app.get("/api/v1/me", Some(&admin.access_token)).await;
    let ready = app.get("/readyz", None).await;
    set_reachable(&app.database_url, true).await;
    let after = app.get("/api/v1/me", Some(&admin.access_token)).await;

    assert_eq!(during.headers()["retry-after"], "1");
    assert_eq!(
        problem(during, StatusCode::SERVICE_UNAVAILABLE).await["code"],
        "unavailable"
    );
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(after.status(), StatusCode::OK);
}
