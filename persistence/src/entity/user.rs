use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The name case-folded: the listing's sort key.
    pub name_key: String,
    /// Name, email, phone and employee code, case-folded and joined: what `q` searches, in
    /// one column, so a search reads one LIKE per row instead of four LOWER()s.
    pub search_text: String,
    /// Trimmed and lowercased (domain's `Email`).
    pub email: String,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    /// The identity provider's id for the user (SCIM `externalId`), as sent.
    pub external_id: Option<String>,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub lead_cap: i32,
    pub banned: bool,
    /// Consecutive charged password attempts (domain's lockout `Guard`).
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    /// When the last of those was charged: they are forgotten a day later.
    pub last_failed_login_at: Option<DateTimeUtc>,
    /// Consecutive charged M-PIN attempts (domain's lockout `Guard`).
    pub failed_mpins: i32,
    /// The open leads the user holds, kept by every write of leads (`leads::held`).
    pub leads_held: i32,
    /// When the user last got a lead: the fairness rule's tie-breaker.
    pub last_assigned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 1 when created, raised by every write of the user's fields or secrets (domain's
    /// `Version`, the `ETag`); not by lockouts or lead assignment.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
