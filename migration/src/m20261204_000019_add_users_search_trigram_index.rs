use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "users_search_trigram";

/// Whether this PostgreSQL can have `pg_trgm` here: the extension is installed with the
/// server (it is part of PostgreSQL's contrib, in Debian's and the official images) and the
/// role may create it (a trusted extension: `CREATE` on the database is enough).
const CAN_HAVE_TRIGRAMS: &str = "SELECT (EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') \
     OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') \
     AND has_database_privilege(current_database(), 'CREATE'))) AS can";

/// PostgreSQL: a trigram index on `users.search_text`, so a user search (`q`, a substring
/// `LIKE '%...%'` of the case-folded name, email, employee code and phone) reads the rows
/// holding the pattern's trigrams instead of every user of the company. A server without
/// `pg_trgm` (or a role that may not create it) keeps searching without the index: the same
/// answers, by scanning. SQLite has no such index: it scans the company's entries of its
/// name index, which carries `search_text` (migration 21).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        let can = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                CAN_HAVE_TRIGRAMS,
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "can"))
            .transpose()?
            .unwrap_or(false);
        if !can {
            return Ok(());
        }
        db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX {INDEX} ON users USING gin (search_text gin_trgm_ops)"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        // The extension stays: other schemas of the database may use it.
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {INDEX}"))
            .await?;
        Ok(())
    }
}
