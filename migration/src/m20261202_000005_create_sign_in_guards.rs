use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The password lockout of an identity a sign-in names that is no account (an unknown company
/// code, or no such email in it), keyed as typed, normalised: it is counted and locked like an
/// account's, so no answer tells which accounts exist. Not a tenant table: there is no company.
#[derive(DeriveIden, Clone, Copy)]
enum SignInGuards {
    Table,
    CompanyCode,
    Email,
    FailedLogins,
    LockedUntil,
    LastFailedLoginAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    LastFailedLoginAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Password failures are forgotten a day after the last one, an account's as well as an
        // unknown identity's (whose guard is purged then).
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::LastFailedLoginAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInGuards::Table)
                    .col(
                        ColumnDef::new(SignInGuards::CompanyCode)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SignInGuards::Email).string().not_null())
                    .col(
                        ColumnDef::new(SignInGuards::FailedLogins)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(SignInGuards::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SignInGuards::LastFailedLoginAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SignInGuards::CompanyCode)
                            .col(SignInGuards::Email),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sign_in_guards_last_failed_login_at")
                    .table(SignInGuards::Table)
                    .col(SignInGuards::LastFailedLoginAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInGuards::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::LastFailedLoginAt)
                    .take(),
            )
            .await
    }
}
