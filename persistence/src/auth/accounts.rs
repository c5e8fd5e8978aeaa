//! [`Accounts`]: the account a sign-in names, found across companies.

use domain::auth::Account;
use domain::ports::Accounts;
use domain::{CompanyCode, DomainError, Email};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::entity::{company, user};
use crate::{Store, StoreError};

impl Accounts for Store {
    /// One query joining the company (by code) and the user (by email).
    async fn find_account(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Option<Account>, DomainError> {
        let query = Query::select()
            .columns(
                [
                    user::Column::CompanyId,
                    user::Column::Id,
                    user::Column::Name,
                    user::Column::Email,
                    user::Column::PasswordHash,
                    user::Column::MpinHash,
                    user::Column::Banned,
                ]
                .map(|c| (user::Entity, c)),
            )
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
        let row = self
            .db
            .query_one_raw(statement)
            .await
            .map_err(StoreError::from)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let found = (|| {
            Ok::<_, sea_orm::DbErr>(Account {
                company_id: row.try_get("", "company_id")?,
                user_id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                email: row.try_get("", "email")?,
                password_hash: row.try_get("", "password_hash")?,
                mpin_hash: row.try_get("", "mpin_hash")?,
                banned: row.try_get("", "banned")?,
            })
        })()
        .map_err(StoreError::from)?;
        Ok(Some(found))
    }
}

/// A stored user as a sign-in sees them.
pub(crate) fn account(company_id: Uuid, user: crate::entity::user::Model) -> Account {
    Account {
        company_id,
        user_id: user.id,
        name: user.name,
        email: user.email,
        password_hash: user.password_hash,
        mpin_hash: user.mpin_hash,
        banned: user.banned,
    }
}
