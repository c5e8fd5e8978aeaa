use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Trimmed and lowercased (domain's `Email`).
    pub email: String,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub lead_cap: i32,
    pub banned: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
