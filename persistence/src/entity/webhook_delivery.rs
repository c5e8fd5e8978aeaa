use sea_orm::entity::prelude::*;

/// One try of one event to one webhook: due while `attempted_at` is null, leased to a
/// replica until `claimed_until`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub attempt: i32,
    pub due_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub attempted_at: Option<DateTimeUtc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
