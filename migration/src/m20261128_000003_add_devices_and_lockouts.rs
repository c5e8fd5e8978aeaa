use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A phone registered by a password sign-in with a device name. Its token (a random secret
/// the app keeps) is stored only as a SHA-256 hash; together with the M-PIN it signs in.
#[derive(DeriveIden, Clone, Copy)]
enum Devices {
    Table,
    CompanyId,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    CompanyId,
    Id,
    FailedLogins,
    LockedUntil,
    FailedMpins,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    DeviceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Lockout state lives in the database so it holds across replicas. SQLite alters one
        // column per statement.
        let columns = [
            ColumnDef::new(Users::FailedLogins)
                .integer()
                .not_null()
                .default(0)
                .take(),
            ColumnDef::new(Users::LockedUntil)
                .timestamp_with_time_zone()
                .null()
                .take(),
            ColumnDef::new(Users::FailedMpins)
                .integer()
                .not_null()
                .default(0)
                .take(),
        ];
        for column in columns {
            manager
                .alter_table(Table::alter().table(Users::Table).add_column(column).take())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(ColumnDef::new(Sessions::DeviceId).uuid().null())
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(ColumnDef::new(Devices::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(Devices::Id).uuid().not_null())
                    .col(ColumnDef::new(Devices::UserId).uuid().not_null())
                    .col(ColumnDef::new(Devices::Name).string().not_null())
                    .col(ColumnDef::new(Devices::TokenHash).string().not_null())
                    .col(
                        ColumnDef::new(Devices::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Devices::LastUsedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Devices::CompanyId).col(Devices::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl(Devices::Table)
                            .from_col(Devices::CompanyId)
                            .from_col(Devices::UserId)
                            .to_tbl(Users::Table)
                            .to_col(Users::CompanyId)
                            .to_col(Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("devices_token_hash")
                    .table(Devices::Table)
                    .col(Devices::CompanyId)
                    .col(Devices::TokenHash)
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Devices::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::DeviceId)
                    .take(),
            )
            .await?;
        for column in [Users::FailedLogins, Users::LockedUntil, Users::FailedMpins] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
