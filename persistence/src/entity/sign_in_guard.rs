use sea_orm::entity::prelude::*;

/// The password lockout of an identity that is no account (domain's `Identity`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_guards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub email: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_failed_login_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
