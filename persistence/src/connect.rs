use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions as SeaOptions, Database, DatabaseConnection, DbErr};

use crate::{Store, StoreError};

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite://path?mode=rwc` or `postgres://...`.
    pub url: String,
    pub max_connections: u32,
}

/// Opens the pool. SQLite gets WAL (readers never wait for the writer) and a busy timeout
/// (a writer waits for another instead of failing at once); PostgreSQL keeps its defaults.
pub async fn connect(options: &ConnectOptions) -> Result<Store, StoreError> {
    let mut sea = SeaOptions::new(options.url.clone());
    sea.max_connections(options.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // Statements are traced by our own spans; sqlx's per-statement INFO lines are noise.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    let db: DatabaseConnection = Database::connect(sea).await?;
    Ok(Store::new(db))
}

/// Applies every pending migration. Fails, changing nothing, when the database was migrated
/// by a newer Calliyo (it holds a migration this build does not know).
pub async fn migrate(store: &Store) -> Result<(), StoreError> {
    Migrator::up(store.connection(), None)
        .await
        .map_err(|err| match err {
            DbErr::Custom(message) if message.contains("is missing") => {
                StoreError::Database(DbErr::Custom(format!(
                    "the database was migrated by a newer version of calliyo: {message}"
                )))
            }
            other => StoreError::Database(other),
        })
}
