// Over 400 lines: one migration is one file (its name is its version), and this first one creates every core table with its indexes.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Companies {
    Table,
    Id,
    Name,
    Code,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Subscriptions {
    Table,
    CompanyId,
    Plan,
    AgentLimit,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    CompanyId,
    Id,
    Name,
    NameKey,
    System,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RolePermissions {
    Table,
    CompanyId,
    RoleId,
    Permission,
}

/// Departments and branches share one shape: a named group users may belong to.
#[derive(DeriveIden, Clone, Copy)]
enum Groups {
    Departments,
    Branches,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    CompanyId,
    Id,
    Name,
    NameKey,
    SearchText,
    Email,
    EmployeeCode,
    Phone,
    DepartmentId,
    BranchId,
    RoleId,
    PasswordHash,
    MpinHash,
    LeadCap,
    Banned,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    CompanyId,
    Id,
    UserId,
    RefreshGeneration,
    UserAgent,
    Ip,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Group {
    CompanyId,
    Id,
    Name,
    NameKey,
    CreatedAt,
    UpdatedAt,
}

fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().take()
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().take()
}

fn tenant_key(table: impl IntoIden + Clone) -> IndexCreateStatement {
    Index::create()
        .table(table)
        .col(Group::CompanyId)
        .col(Group::Id)
        .primary()
        .take()
}

/// A foreign key from `(company_id, <col>)` of `from` to `(company_id, id)` of `to`: a
/// reference can never cross tenants.
fn tenant_fk(
    from: impl IntoIden + Clone,
    col: impl IntoIden,
    to: impl IntoIden + Clone,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(from)
        .from_col(Group::CompanyId)
        .from_col(col)
        .to_tbl(to)
        .to_col(Group::CompanyId)
        .to_col(Group::Id)
        .on_delete(on_delete)
        .take()
}

fn company_fk(from: impl IntoIden + Clone) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(from)
        .from_col(Group::CompanyId)
        .to_tbl(Companies::Table)
        .to_col(Companies::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

fn unique(table: impl IntoIden + Clone, name: &str, col: impl IntoIden) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(Group::CompanyId)
        .col(col)
        .unique()
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Companies::Table)
                    .col(uuid(Companies::Id).primary_key())
                    .col(text(Companies::Name))
                    .col(text(Companies::Code).unique_key())
                    .col(timestamp(Companies::CreatedAt))
                    .col(timestamp(Companies::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(uuid(Subscriptions::CompanyId).primary_key())
                    .col(text(Subscriptions::Plan))
                    .col(
                        ColumnDef::new(Subscriptions::AgentLimit)
                            .integer()
                            .not_null(),
                    )
                    .col(timestamp(Subscriptions::CreatedAt))
                    .col(timestamp(Subscriptions::UpdatedAt))
                    .foreign_key(&mut company_fk(Subscriptions::Table))
                    .take(),
            )
            .await?;

        // `name_key` is the case-folded name: "manager" and "Manager" are the same role.
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(uuid(Roles::CompanyId))
                    .col(uuid(Roles::Id))
                    .col(text(Roles::Name))
                    .col(text(Roles::NameKey))
                    .col(ColumnDef::new(Roles::System).boolean().not_null())
                    .col(timestamp(Roles::CreatedAt))
                    .col(timestamp(Roles::UpdatedAt))
                    .primary_key(&mut tenant_key(Roles::Table))
                    .foreign_key(&mut company_fk(Roles::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(Roles::Table, "roles_name_key", Roles::NameKey))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RolePermissions::Table)
                    .col(uuid(RolePermissions::CompanyId))
                    .col(uuid(RolePermissions::RoleId))
                    .col(text(RolePermissions::Permission))
                    .primary_key(
                        Index::create()
                            .col(RolePermissions::CompanyId)
                            .col(RolePermissions::RoleId)
                            .col(RolePermissions::Permission),
                    )
                    .foreign_key(&mut tenant_fk(
                        RolePermissions::Table,
                        RolePermissions::RoleId,
                        Roles::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        for group in [Groups::Departments, Groups::Branches] {
            manager
                .create_table(
                    Table::create()
                        .table(group)
                        .col(uuid(Group::CompanyId))
                        .col(uuid(Group::Id))
                        .col(text(Group::Name))
                        .col(text(Group::NameKey))
                        .col(timestamp(Group::CreatedAt))
                        .col(timestamp(Group::UpdatedAt))
                        .primary_key(&mut tenant_key(group))
                        .foreign_key(&mut company_fk(group))
                        .take(),
                )
                .await?;
            let index = format!("{}_name_key", group.to_string());
            manager
                .create_index(unique(group, &index, Group::NameKey))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::CompanyId))
                    .col(uuid(Users::Id))
                    .col(text(Users::Name))
                    .col(text(Users::NameKey))
                    .col(text(Users::SearchText))
                    .col(text(Users::Email))
                    .col(ColumnDef::new(Users::EmployeeCode).string().null())
                    .col(ColumnDef::new(Users::Phone).string().null())
                    .col(ColumnDef::new(Users::DepartmentId).uuid().null())
                    .col(ColumnDef::new(Users::BranchId).uuid().null())
                    .col(uuid(Users::RoleId))
                    .col(text(Users::PasswordHash))
                    .col(ColumnDef::new(Users::MpinHash).string().null())
                    .col(
                        ColumnDef::new(Users::LeadCap)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Users::Banned)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(Users::CreatedAt))
                    .col(timestamp(Users::UpdatedAt))
                    .primary_key(&mut tenant_key(Users::Table))
                    .foreign_key(&mut company_fk(Users::Table))
                    .foreign_key(&mut tenant_fk(
                        Users::Table,
                        Users::RoleId,
                        Roles::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        Users::Table,
                        Users::DepartmentId,
                        Groups::Departments,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        Users::Table,
                        Users::BranchId,
                        Groups::Branches,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(Users::Table, "users_email", Users::Email))
            .await?;
        manager
            .create_index(unique(
                Users::Table,
                "users_employee_code",
                Users::EmployeeCode,
            ))
            .await?;
        // The listing sorts by case-folded name or by creation; these let it read one page
        // in order instead of sorting the whole company.
        for (name, col) in [
            ("users_name_key", Users::NameKey),
            ("users_created_at", Users::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Users::Table)
                        .col(Users::CompanyId)
                        .col(col)
                        .col(Users::Id)
                        .take(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("users_role")
                    .table(Users::Table)
                    .col(Users::CompanyId)
                    .col(Users::RoleId)
                    .take(),
            )
            .await?;

        // A session is one signed-in device. `refresh_generation` counts refresh-token
        // rotations: the token of generation N is an HMAC of (session, N), so nothing secret
        // is stored and a replayed older token is recognisable (and revokes the session).
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(uuid(Sessions::CompanyId))
                    .col(uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(
                        ColumnDef::new(Sessions::RefreshGeneration)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Sessions::UserAgent).string().null())
                    .col(ColumnDef::new(Sessions::Ip).string().null())
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::LastSeenAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .col(
                        ColumnDef::new(Sessions::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(&mut tenant_key(Sessions::Table))
                    .foreign_key(&mut tenant_fk(
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::CompanyId)
                    .col(Sessions::UserId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables: [DynIden; 8] = [
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Groups::Branches.into_iden(),
            Groups::Departments.into_iden(),
            RolePermissions::Table.into_iden(),
            Roles::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Companies::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
