use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// When the scheduler next looks at the company's daily top-up (`NULL`: never, the top-up is
/// off or its zone unknown). Each tick reads only the companies whose time has come, through
/// the index, instead of every company and its settings. The companies stored before get
/// their creation time: the first tick looks at each once and sets its next time.
#[derive(DeriveIden, Clone, Copy)]
enum Companies {
    Table,
    TopUpDueAt,
    CreatedAt,
}

const DUE_INDEX: &str = "companies_top_up_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Companies as C;
        manager
            .alter_table(
                Table::alter()
                    .table(C::Table)
                    .add_column(
                        ColumnDef::new(C::TopUpDueAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(C::Table)
                    .value(C::TopUpDueAt, Expr::col(C::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(C::Table)
                    .col(C::TopUpDueAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Companies as C;
        manager
            .drop_index(Index::drop().name(DUE_INDEX).table(C::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(C::Table)
                    .drop_column(C::TopUpDueAt)
                    .take(),
            )
            .await
    }
}
