use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// How many open leads each user holds, kept exact by every write that assigns, unassigns,
/// opens, closes, creates or deletes a lead, in that write's transaction: the lead cap's rule
/// and every view of a user read it instead of counting the user's leads.
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    LeadsHeld,
}

/// The count of the leads already stored, as the code before kept none.
const RECOUNT: &str = "UPDATE users SET leads_held = (SELECT COUNT(*) FROM leads \
    WHERE leads.company_id = users.company_id AND leads.assignee_id = users.id \
    AND leads.open = TRUE)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::LeadsHeld)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .take(),
            )
            .await?;
        manager.get_connection().execute_unprepared(RECOUNT).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::LeadsHeld)
                    .take(),
            )
            .await
    }
}
