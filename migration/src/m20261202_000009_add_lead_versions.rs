use sea_orm_migration::prelude::*;

use crate::versions::{add_version, drop_version};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A lead's version: 1 when created, raised by every change of its fields or assignment
/// (a change, distribution, the top-up, its assignee's deletion).
#[derive(DeriveIden, Clone, Copy)]
enum Leads {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_version(manager, Leads::Table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_version(manager, Leads::Table).await
    }
}
