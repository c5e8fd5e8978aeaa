use domain::{CompanyCode, Email};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::entity::{company, user};
use crate::{Store, StoreError};

/// What a password sign-in needs to know about the account it names.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub banned: bool,
}

impl Store {
    /// Finds the account a sign-in names by company code and email, in one query.
    pub async fn find_sign_in(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Option<SignInRecord>, StoreError> {
        let query = Query::select()
            .column((user::Entity, user::Column::CompanyId))
            .column((user::Entity, user::Column::Id))
            .column((user::Entity, user::Column::Name))
            .column((user::Entity, user::Column::PasswordHash))
            .column((user::Entity, user::Column::MpinHash))
            .column((user::Entity, user::Column::Banned))
            .from(user::Entity)
            .inner_join(
                company::Entity,
                Expr::col((company::Entity, company::Column::Id))
                    .equals((user::Entity, user::Column::CompanyId)),
            )
            .and_where(Expr::col((company::Entity, company::Column::Code)).eq(code.as_str()))
            .and_where(Expr::col((user::Entity, user::Column::Email)).eq(email.as_str()))
            .take();
        let statement = self.db.get_database_backend().build(&query);
        let Some(row) = self.db.query_one_raw(statement).await? else {
            return Ok(None);
        };
        Ok(Some(SignInRecord {
            company_id: row.try_get("", "company_id")?,
            user_id: row.try_get("", "id")?,
            name: row.try_get("", "name")?,
            password_hash: row.try_get("", "password_hash")?,
            mpin_hash: row.try_get("", "mpin_hash")?,
            banned: row.try_get("", "banned")?,
        }))
    }
}
