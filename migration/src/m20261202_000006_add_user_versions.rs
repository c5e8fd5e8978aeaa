use sea_orm_migration::prelude::*;

use crate::versions::{add_version, drop_version};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A user's version: 1 when created, raised by every change of the user, served as the
/// `ETag` and checked against `If-Match` under the row's lock.
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_version(manager, Users::Table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_version(manager, Users::Table).await
    }
}
