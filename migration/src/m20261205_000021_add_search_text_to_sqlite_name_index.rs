use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME_INDEX: &str = "users_name_key";
const NAME_SEARCH_INDEX: &str = "users_name_search";

/// SQLite: the listing's name index `(company_id, name_key, id)` also carries `search_text`.
///
/// SQLite has no trigram index: a user search (`q`) tests every user of the company, once
/// for the total and again for the page. With `search_text` in the index both read the
/// index alone and fetch only the rows that match, instead of every row twice: a search
/// matching few of 10,000 users from 5.2 ms to 1.9 ms (BENCHMARKS.md, user search). The
/// index replaces the narrower one rather than joining it: with both, SQLite (which plans
/// without statistics here) reads the narrower one. PostgreSQL answers searches from its
/// trigram index (migration 19) and keeps its name index as it is.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = format!(
            "CREATE INDEX {NAME_SEARCH_INDEX} ON users (company_id, name_key, id, search_text)"
        );
        replace_on_sqlite(manager, NAME_INDEX, &create).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = format!("CREATE INDEX {NAME_INDEX} ON users (company_id, name_key, id)");
        replace_on_sqlite(manager, NAME_SEARCH_INDEX, &create).await
    }
}

/// Drops the index `old` and runs `create`, on SQLite only.
async fn replace_on_sqlite(
    manager: &SchemaManager<'_>,
    old: &str,
    create: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
    db.execute_unprepared(create).await?;
    Ok(())
}
