use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "users_fairest";

/// The fairness rule as an index: within a company, the users not banned by most free
/// capacity (`lead_cap - leads_held`), then least recently assigned (never first), then
/// greatest id. A lead intake reads its first row with room instead of every user. SQLite
/// puts NULLs first in ascending order already and takes no NULLS clause in an index.
fn create_sql(backend: DatabaseBackend) -> String {
    let nulls_first = if backend == DatabaseBackend::Postgres {
        " NULLS FIRST"
    } else {
        ""
    };
    format!(
        "CREATE INDEX {INDEX} ON users (company_id, banned, (lead_cap - leads_held) DESC, \
         last_assigned_at ASC{nulls_first}, id DESC)"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = create_sql(manager.get_database_backend());
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {INDEX}"))
            .await?;
        Ok(())
    }
}
