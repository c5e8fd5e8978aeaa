use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Who did what to whom, and when. Names are copied at write time so an event still reads
/// right after its actor or target is renamed or deleted. `changes` is a JSON array of field
/// names, never values: no secret can end up here.
#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    CompanyId,
    Id,
    At,
    Action,
    ActorId,
    ActorName,
    TargetType,
    TargetId,
    TargetName,
    Changes,
    Ip,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

fn nullable_text(col: AuditEvents) -> ColumnDef {
    ColumnDef::new(col).string().null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(ColumnDef::new(AuditEvents::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(AuditEvents::Id).uuid().not_null())
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Action).string().not_null())
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(nullable_text(AuditEvents::ActorName))
                    .col(nullable_text(AuditEvents::TargetType))
                    .col(ColumnDef::new(AuditEvents::TargetId).uuid().null())
                    .col(nullable_text(AuditEvents::TargetName))
                    .col(ColumnDef::new(AuditEvents::Changes).string().not_null())
                    .col(nullable_text(AuditEvents::Ip))
                    .primary_key(
                        Index::create()
                            .col(AuditEvents::CompanyId)
                            .col(AuditEvents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("audit_events_actor", AuditEvents::ActorId),
            ("audit_events_action", AuditEvents::Action),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(AuditEvents::CompanyId)
                        .col(col)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).take())
            .await
    }
}
