//! [`Accounts`]: the account a sign-in names, found across companies.

use domain::auth::{Account, Device};
use domain::ports::Accounts;
use domain::{CompanyCode, DomainError, Email};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::entity::{company, device, user};
use crate::retry::read_retrying;
use crate::{Store, StoreError};

impl Accounts for Store {
    /// One query joining the company (by code) and the user (by email).
    async fn find_account(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Option<Account>, DomainError> {
        let row = self.query_one(&account_query(code, email)).await?;
        Ok(row.as_ref().map(account_of).transpose()?)
    }

    /// The account's query, joined with the device by its token hash.
    async fn find_device_account(
        &self,
        code: &CompanyCode,
        email: &Email,
        token_hash: &str,
    ) -> Result<Option<(Account, Device)>, DomainError> {
        let query = account_query(code, email)
            .expr_as(Expr::col((device::Entity, device::Column::Id)), "device_id")
            .expr_as(
                Expr::col((device::Entity, device::Column::Name)),
                "device_name",
            )
            .inner_join(
                device::Entity,
                Expr::col((device::Entity, device::Column::CompanyId))
                    .equals((user::Entity, user::Column::CompanyId))
                    .and(
                        Expr::col((device::Entity, device::Column::UserId))
                            .equals((user::Entity, user::Column::Id)),
                    )
                    .and(Expr::col((device::Entity, device::Column::TokenHash)).eq(token_hash)),
            )
            .take();
        let Some(row) = self.query_one(&query).await? else {
            return Ok(None);
        };
        let device = (|| {
            Ok::<_, sea_orm::DbErr>(Device {
                id: row.try_get("", "device_id")?,
                name: row.try_get("", "device_name")?,
            })
        })()
        .map_err(StoreError::from)?;
        Ok(Some((account_of(&row)?, device)))
    }
}

impl Store {
    /// A sign-in's one read, retried once if its pooled connection broke under it.
    async fn query_one(&self, query: &SelectStatement) -> Result<Option<QueryResult>, StoreError> {
        let statement = self.db.get_database_backend().build(query);
        read_retrying(|| async { Ok(self.db.query_one_raw(statement.clone()).await?) }).await
    }
}

/// The user named by email in the company named by code, with what a sign-in needs.
fn account_query(code: &CompanyCode, email: &Email) -> SelectStatement {
    Query::select()
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
        .take()
}

fn account_of(row: &QueryResult) -> Result<Account, StoreError> {
    let read = || {
        Ok::<_, sea_orm::DbErr>(Account {
            company_id: row.try_get("", "company_id")?,
            user_id: row.try_get("", "id")?,
            name: row.try_get("", "name")?,
            email: row.try_get("", "email")?,
            password_hash: row.try_get("", "password_hash")?,
            mpin_hash: row.try_get("", "mpin_hash")?,
            banned: row.try_get("", "banned")?,
        })
    };
    Ok(read()?)
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
