//! [`IdentityGuards`]: the password lockouts of identities that are no account.

use domain::auth::Identity;
use domain::ports::{Commit, IdentityGuard, IdentityGuards};
use domain::{DomainError, Guard};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::entity::sign_in_guard;
use crate::{Store, StoreError};

/// One transaction on one identity's guard.
pub struct IdentityTx {
    txn: DatabaseTransaction,
    identity: Identity,
}

impl IdentityGuards for Store {
    type GuardTx = IdentityTx;

    async fn begin_identity(&self, identity: &Identity) -> Result<IdentityTx, DomainError> {
        let txn = self.db.begin().await.map_err(StoreError::from)?;
        Ok(IdentityTx {
            txn,
            identity: identity.clone(),
        })
    }
}

impl IdentityGuard for IdentityTx {
    /// One statement on both databases: an insert of a fresh guard that, when the identity
    /// has one, updates it to itself instead, which locks its row (PostgreSQL) or takes the
    /// write lock (SQLite) before anything is read, and returns it.
    async fn lock_identity_guard(&mut self) -> Result<Guard, DomainError> {
        use sign_in_guard::Column;
        let failures = (sign_in_guard::Entity, Column::FailedLogins);
        let upsert = Query::insert()
            .into_table(sign_in_guard::Entity)
            .columns([Column::CompanyCode, Column::Email, Column::FailedLogins])
            .values_panic([
                self.identity.company.clone().into(),
                self.identity.email.clone().into(),
                0.into(),
            ])
            .on_conflict(
                OnConflict::columns([Column::CompanyCode, Column::Email])
                    .value(Column::FailedLogins, Expr::col(failures))
                    .to_owned(),
            )
            .returning_all()
            .to_owned();
        let backend = self.txn.get_database_backend();
        let row = self
            .txn
            .query_one_raw(backend.build(&upsert))
            .await
            .map_err(StoreError::from)?
            .ok_or_else(|| DomainError::fault("an upsert returned no row"))?;
        let read = || {
            Ok::<_, sea_orm::DbErr>(Guard {
                failures: u32::try_from(row.try_get::<i32>("", "failed_logins")?).unwrap_or(0),
                locked_until: row.try_get("", "locked_until")?,
                last_failure: row.try_get("", "last_failed_login_at")?,
            })
        };
        Ok(read().map_err(StoreError::from)?)
    }

    async fn save_identity_guard(&mut self, guard: Guard) -> Result<(), DomainError> {
        use sign_in_guard::Column;
        let failures = i32::try_from(guard.failures).unwrap_or(i32::MAX);
        sign_in_guard::Entity::update_many()
            .col_expr(Column::FailedLogins, Expr::value(failures))
            .col_expr(Column::LockedUntil, Expr::value(guard.locked_until))
            .col_expr(Column::LastFailedLoginAt, Expr::value(guard.last_failure))
            .filter(Column::CompanyCode.eq(self.identity.company.as_str()))
            .filter(Column::Email.eq(self.identity.email.as_str()))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl Commit for IdentityTx {
    async fn commit(self) -> Result<(), DomainError> {
        Ok(self.txn.commit().await.map_err(StoreError::from)?)
    }
}
