use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether the delivery workers have made an event's deliveries yet. A change records only its
/// event (one row, in its transaction); a worker then adds one delivery per subscribed webhook
/// and sets this, so the change's transaction, which may hold the company's lock, stays short.
/// The events stored before this migration had their deliveries made with them: `true`.
#[derive(DeriveIden, Clone, Copy)]
enum WebhookEvents {
    Table,
    FannedOut,
    OccurredAt,
}

const UNFANNED_INDEX: &str = "webhook_events_unfanned";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookEvents as E;
        manager
            .alter_table(
                Table::alter()
                    .table(E::Table)
                    .add_column(
                        ColumnDef::new(E::FannedOut)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .take(),
            )
            .await?;
        // The events still to fan out, oldest first: what the workers' claim reads, kept
        // small by leaving out the (many) events fanned out.
        manager
            .create_index(
                Index::create()
                    .name(UNFANNED_INDEX)
                    .table(E::Table)
                    .col(E::OccurredAt)
                    .and_where(Expr::col(E::FannedOut).eq(false))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookEvents as E;
        manager
            .drop_index(
                Index::drop()
                    .name(UNFANNED_INDEX)
                    .table(E::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(E::Table)
                    .drop_column(E::FannedOut)
                    .take(),
            )
            .await
    }
}
