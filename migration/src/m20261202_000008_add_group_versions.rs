use sea_orm_migration::prelude::*;

use crate::versions::{add_version, drop_version};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A department's or branch's version: 1 when created, raised by every rename.
#[derive(DeriveIden, Clone, Copy)]
enum Departments {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Branches {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_version(manager, Departments::Table).await?;
        add_version(manager, Branches::Table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_version(manager, Branches::Table).await?;
        drop_version(manager, Departments::Table).await
    }
}
