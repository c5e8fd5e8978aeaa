use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the scheduler looks at the company's daily top-up next; `None`: never (off, or
    /// an unknown zone). See `domain::ports::TopUpSchedule`.
    pub top_up_due_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
