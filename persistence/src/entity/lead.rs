use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    /// A v7 UUID: ordering by id orders by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<String>,
    /// `new`, `contacted`, `qualified`, `won` or `lost` (domain's `LeadStatus`).
    pub status: String,
    /// Whether `status` is open: what the cap counts.
    pub open: bool,
    pub assignee_id: Option<Uuid>,
    pub assigned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 1 when created, raised by every write of the lead's fields, its assignment included
    /// (domain's `Version`, the `ETag`).
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
