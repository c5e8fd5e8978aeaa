use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// PostgreSQL: plan statements on `users` as if a company had about a thousand users
/// (`n_distinct = -0.001`: one company per thousand rows), whatever the table holds.
///
/// A prepared statement's cached generic plan is made for the average company. With many
/// small companies beside a large one that average is one user, and the generic plans read
/// the large company's users through the wrong index: the intake's pick scanned and sorted
/// all of its 1,000 users, the actor's recheck filtered them one by one, instead of reading
/// one index entry, and a search scanned every user instead of the trigram index
/// (BENCHMARKS.md, ten thousand companies). Planned for a thousand, the ordered, unique and
/// trigram indexes win: the plans a large company needs, and cheap for a small one too. A
/// custom plan for a company large enough to be among the most common values is still made
/// from its own count.
const PLAN_FOR_LARGE_COMPANIES: &str =
    "ALTER TABLE users ALTER COLUMN company_id SET (n_distinct = -0.001)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(PLAN_FOR_LARGE_COMPANIES).await?;
        // The setting applies from the next ANALYZE; this one is quick (a sample of rows).
        db.execute_unprepared("ANALYZE users").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE users ALTER COLUMN company_id RESET (n_distinct)")
            .await?;
        Ok(())
    }
}
