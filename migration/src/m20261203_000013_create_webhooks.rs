use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A company's webhooks. The secret signs every delivery, so it is kept as it is (a hash
/// could not sign); it is shown once, in the answer that creates it.
#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    CompanyId,
    Id,
    Url,
    Secret,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

/// The events each webhook subscribes to, one row each; indexed by event, which is what a
/// change asks when it records one.
#[derive(DeriveIden, Clone, Copy)]
enum WebhookSubscriptions {
    Table,
    CompanyId,
    WebhookId,
    EventType,
}

/// The outbox: one row per event recorded by a change, in its transaction. `subject_id` names
/// the record a resource event shows (rendered when first sent); `data` is the JSON fixed at
/// the change for the others; `body` is what was first sent, frozen for every later try.
#[derive(DeriveIden, Clone, Copy)]
enum WebhookEvents {
    Table,
    CompanyId,
    Id,
    EventType,
    OccurredAt,
    SubjectId,
    Data,
    Body,
}

/// One row per try of one event to one webhook: due (`attempted_at` null), or made with its
/// outcome. `claimed_until` is the lease of the replica sending it; the partial index on
/// `due_at` of the tries not yet made is what the workers' claim reads.
#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    CompanyId,
    Id,
    WebhookId,
    EventId,
    Attempt,
    DueAt,
    ClaimedUntil,
    AttemptedAt,
    StatusCode,
    Error,
    DeliveredAt,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn optional_timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

fn company_fk(table: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col(Alias::new("company_id"))
        .to_tbl(Companies::Table)
        .to_col(Companies::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

/// A reference to a row of the same company, deleted with it.
fn tenant_fk(
    table: impl IntoIden,
    col: impl IntoIden,
    parent: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col(Alias::new("company_id"))
        .from_col(col)
        .to_tbl(parent)
        .to_col(Alias::new("company_id"))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookDeliveries as D;
        use WebhookEvents as E;
        use WebhookSubscriptions as S;
        use Webhooks as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(ColumnDef::new(W::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(W::Id).uuid().not_null())
                    .col(ColumnDef::new(W::Url).text().not_null())
                    .col(ColumnDef::new(W::Secret).string().not_null())
                    .col(ColumnDef::new(W::Enabled).boolean().not_null())
                    .col(timestamp(W::CreatedAt))
                    .col(timestamp(W::UpdatedAt))
                    .primary_key(Index::create().col(W::CompanyId).col(W::Id))
                    .foreign_key(&mut company_fk(W::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(S::WebhookId).uuid().not_null())
                    .col(ColumnDef::new(S::EventType).string_len(40).not_null())
                    .primary_key(
                        Index::create()
                            .col(S::CompanyId)
                            .col(S::WebhookId)
                            .col(S::EventType),
                    )
                    .foreign_key(&mut tenant_fk(S::Table, S::WebhookId, W::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_subscriptions_event")
                    .table(S::Table)
                    .col(S::CompanyId)
                    .col(S::EventType)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(ColumnDef::new(E::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(E::Id).uuid().not_null())
                    .col(ColumnDef::new(E::EventType).string_len(40).not_null())
                    .col(timestamp(E::OccurredAt))
                    .col(ColumnDef::new(E::SubjectId).uuid().null())
                    .col(ColumnDef::new(E::Data).text().null())
                    .col(ColumnDef::new(E::Body).text().null())
                    .primary_key(Index::create().col(E::CompanyId).col(E::Id))
                    .foreign_key(&mut company_fk(E::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_events_occurred_at")
                    .table(E::Table)
                    .col(E::OccurredAt)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(ColumnDef::new(D::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(D::Id).uuid().not_null())
                    .col(ColumnDef::new(D::WebhookId).uuid().not_null())
                    .col(ColumnDef::new(D::EventId).uuid().not_null())
                    .col(ColumnDef::new(D::Attempt).integer().not_null())
                    .col(timestamp(D::DueAt))
                    .col(optional_timestamp(D::ClaimedUntil))
                    .col(optional_timestamp(D::AttemptedAt))
                    .col(ColumnDef::new(D::StatusCode).integer().null())
                    .col(ColumnDef::new(D::Error).text().null())
                    .col(optional_timestamp(D::DeliveredAt))
                    .col(optional_timestamp(D::NextAttemptAt))
                    .primary_key(Index::create().col(D::CompanyId).col(D::Id))
                    .foreign_key(&mut tenant_fk(D::Table, D::WebhookId, W::Table))
                    .foreign_key(&mut tenant_fk(D::Table, D::EventId, E::Table))
                    .take(),
            )
            .await?;
        // The delivery log of one webhook, newest first (ids are v7: time-ordered).
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_log")
                    .table(D::Table)
                    .col(D::CompanyId)
                    .col(D::WebhookId)
                    .col(D::Id)
                    .take(),
            )
            .await?;
        // The tries not yet made, by when they are due: the claim's range scan, kept small
        // by leaving out the (many) tries made.
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_due")
                    .table(D::Table)
                    .col(D::DueAt)
                    .and_where(Expr::col(D::AttemptedAt).is_null())
                    .take(),
            )
            .await?;
        // The deliveries of an event: what deleting events (cascade) looks up.
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_event")
                    .table(D::Table)
                    .col(D::CompanyId)
                    .col(D::EventId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookSubscriptions::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
