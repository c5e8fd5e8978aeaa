use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// API keys: an integration's credential, acting for its company with the permissions it was
/// given. Only the SHA-256 of a key is kept (a key is 238 random bits, so a fast hash is
/// enough); `prefix` is its first characters, shown in listings so a person can tell keys
/// apart. `permissions` is the space-separated `resource:action` list. The hash is unique
/// across companies because a request names no company before its key is found.
///
/// The audit trail learns who acted: `actor_type` is `user` or `api_key` (every event
/// recorded so far with an actor was made by a user).
#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    CompanyId,
    Id,
    Name,
    Prefix,
    KeyHash,
    Permissions,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    ActorId,
    ActorType,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(ColumnDef::new(ApiKeys::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(ApiKeys::Id).uuid().not_null())
                    .col(ColumnDef::new(ApiKeys::Name).string().not_null())
                    .col(ColumnDef::new(ApiKeys::Prefix).string().not_null())
                    .col(ColumnDef::new(ApiKeys::KeyHash).string().not_null())
                    .col(ColumnDef::new(ApiKeys::Permissions).text().not_null())
                    .col(
                        ColumnDef::new(ApiKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(Index::create().col(ApiKeys::CompanyId).col(ApiKeys::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_key_hash")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::KeyHash)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(ColumnDef::new(AuditEvents::ActorType).string().null())
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(AuditEvents::Table)
                    .value(AuditEvents::ActorType, "user")
                    .and_where(Expr::col(AuditEvents::ActorId).is_not_null())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(AuditEvents::ActorType)
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).take())
            .await
    }
}
