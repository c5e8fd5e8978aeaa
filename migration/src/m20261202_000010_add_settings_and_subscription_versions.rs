use sea_orm_migration::prelude::*;

use crate::versions::{add_version, drop_version};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The settings' version: the defaults (no row yet) are version 1, the first write makes 2,
/// each later one raises it.
#[derive(DeriveIden, Clone, Copy)]
enum CompanySettings {
    Table,
}

/// The subscription's version: 1 when created, raised by every change of its plan or limit.
#[derive(DeriveIden, Clone, Copy)]
enum Subscriptions {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_version(manager, CompanySettings::Table).await?;
        add_version(manager, Subscriptions::Table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_version(manager, Subscriptions::Table).await?;
        drop_version(manager, CompanySettings::Table).await
    }
}
