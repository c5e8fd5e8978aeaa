use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Leads {
    Table,
    CompanyId,
    Id,
    Name,
    Phone,
    Email,
    Source,
    Status,
    /// Whether `status` is one of the open ones: what `leads_held` counts, indexed.
    Open,
    AssigneeId,
    AssignedAt,
    CreatedAt,
    UpdatedAt,
}

/// One row per company: how leads are handed out.
#[derive(DeriveIden, Clone, Copy)]
enum CompanySettings {
    Table,
    CompanyId,
    AutoAssignNewLeads,
    TopUpEnabled,
    TopUpAt,
    TopUpTimezone,
    UpdatedAt,
}

/// A job that must run once per company per day (the daily top-up): the unique key is the
/// guarantee, whatever the number of replicas.
#[derive(DeriveIden, Clone, Copy)]
enum JobRuns {
    Table,
    CompanyId,
    Job,
    Day,
    RanAt,
    Assigned,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    CompanyId,
    Id,
    LastAssignedAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

fn company_fk(table: impl IntoIden + Clone, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col(col)
        .to_tbl(Companies::Table)
        .to_col(Companies::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(ColumnDef::new(Leads::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(Leads::Id).uuid().not_null())
                    .col(ColumnDef::new(Leads::Name).string().not_null())
                    .col(ColumnDef::new(Leads::Phone).string().null())
                    .col(ColumnDef::new(Leads::Email).string().null())
                    .col(ColumnDef::new(Leads::Source).string().null())
                    .col(ColumnDef::new(Leads::Status).string().not_null())
                    .col(ColumnDef::new(Leads::Open).boolean().not_null())
                    .col(ColumnDef::new(Leads::AssigneeId).uuid().null())
                    .col(
                        ColumnDef::new(Leads::AssignedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Leads::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Leads::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Leads::CompanyId).col(Leads::Id))
                    .foreign_key(&mut company_fk(Leads::Table, Leads::CompanyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl(Leads::Table)
                            .from_col(Leads::CompanyId)
                            .from_col(Leads::AssigneeId)
                            .to_tbl(Users::Table)
                            .to_col(Users::CompanyId)
                            .to_col(Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        // Held leads per user (counts), and the unassigned pool in age order (distribution).
        let indexes: [(&str, Vec<Leads>); 2] = [
            (
                "leads_assignee_open",
                vec![Leads::CompanyId, Leads::AssigneeId, Leads::Open],
            ),
            (
                "leads_pool",
                vec![Leads::CompanyId, Leads::Open, Leads::CreatedAt, Leads::Id],
            ),
        ];
        for (name, cols) in indexes {
            let mut index = Index::create().name(name).table(Leads::Table).take();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::LastAssignedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CompanySettings::Table)
                    .col(
                        ColumnDef::new(CompanySettings::CompanyId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CompanySettings::AutoAssignNewLeads)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CompanySettings::TopUpEnabled)
                            .boolean()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CompanySettings::TopUpAt).string().not_null())
                    .col(
                        ColumnDef::new(CompanySettings::TopUpTimezone)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CompanySettings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut company_fk(
                        CompanySettings::Table,
                        CompanySettings::CompanyId,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(ColumnDef::new(JobRuns::CompanyId).uuid().not_null())
                    .col(ColumnDef::new(JobRuns::Job).string().not_null())
                    .col(ColumnDef::new(JobRuns::Day).string().not_null())
                    .col(
                        ColumnDef::new(JobRuns::RanAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(JobRuns::Assigned).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(JobRuns::CompanyId)
                            .col(JobRuns::Job)
                            .col(JobRuns::Day),
                    )
                    .foreign_key(&mut company_fk(JobRuns::Table, JobRuns::CompanyId))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobRuns::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(CompanySettings::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::LastAssignedAt)
                    .take(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Leads::Table).take())
            .await
    }
}
