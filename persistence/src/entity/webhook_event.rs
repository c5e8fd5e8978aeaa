use sea_orm::entity::prelude::*;

/// An event of the outbox: the record it is about (`subject_id`) or its fixed `data`, and the
/// `body` as first sent; `fanned_out` once the workers made its deliveries.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTimeUtc,
    pub subject_id: Option<Uuid>,
    pub data: Option<String>,
    pub body: Option<String>,
    pub fanned_out: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
