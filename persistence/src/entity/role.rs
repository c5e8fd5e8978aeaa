use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The case-folded name, unique within the company.
    pub name_key: String,
    pub system: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 1 when created, raised by every write of the name or permissions (domain's `Version`,
    /// the `ETag`).
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
