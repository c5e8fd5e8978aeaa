//! A resource's version (`ETag`): a `version` column, 1 when created, raised by every change
//! of the row's own fields and checked against `If-Match` under the row's lock.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden, Clone, Copy)]
enum Versioned {
    Version,
}

/// Adds `version BIGINT NOT NULL DEFAULT 1` to `table`: every existing row starts at 1.
pub(crate) async fn add_version(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(
                    ColumnDef::new(Versioned::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .take(),
        )
        .await
}

pub(crate) async fn drop_version(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .drop_column(Versioned::Version)
                .take(),
        )
        .await
}
