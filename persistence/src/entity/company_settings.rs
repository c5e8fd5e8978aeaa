use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "company_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    pub auto_assign_new_leads: bool,
    pub top_up_enabled: bool,
    /// `HH:MM`, local to `top_up_timezone`.
    pub top_up_at: String,
    /// An IANA zone, e.g. `Asia/Kolkata`.
    pub top_up_timezone: String,
    pub updated_at: DateTimeUtc,
    /// Raised by every write of the settings (the defaults, never written, are version 1) (domain's `Version`, the `ETag`).
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
