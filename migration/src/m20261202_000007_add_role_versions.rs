use sea_orm_migration::prelude::*;

use crate::versions::{add_version, drop_version};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A role's version: 1 when created, raised by every change of its name or permissions.
#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_version(manager, Roles::Table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_version(manager, Roles::Table).await
    }
}
