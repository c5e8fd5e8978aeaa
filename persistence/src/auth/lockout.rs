//! [`Lockouts`]: the failure counts on the user's row.

use domain::ports::Lockouts;
use domain::{DomainError, Guard, Secret};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::user;
use crate::tx::SeaTx;

impl Lockouts for SeaTx {
    /// PostgreSQL: `SELECT ... FOR UPDATE` on the user's row. SQLite has no row locks: a no-op
    /// UPDATE of the row takes the database's write lock before anything is read, so the
    /// transaction never has to upgrade a read snapshot (which SQLite refuses rather than
    /// waits for).
    async fn lock_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
    ) -> Result<Option<Guard>, DomainError> {
        let backend = self.txn.get_database_backend();
        let mine = Expr::col(user::Column::CompanyId)
            .eq(self.company_id)
            .and(Expr::col(user::Column::Id).eq(user_id));
        if backend == DatabaseBackend::Sqlite {
            let lock = Query::update()
                .table(user::Entity)
                .value(user::Column::Id, Expr::col(user::Column::Id))
                .and_where(mine.clone())
                .to_owned();
            self.txn
                .execute_raw(backend.build(&lock))
                .await
                .map_err(StoreError::from)?;
        }
        let mut read = user::Entity::find().filter(mine);
        if backend != DatabaseBackend::Sqlite {
            read = read.lock_exclusive();
        }
        let row = read.one(&self.txn).await.map_err(StoreError::from)?;
        Ok(row.map(|row| match secret {
            Secret::Password => Guard {
                failures: u32::try_from(row.failed_logins).unwrap_or(0),
                locked_until: row.locked_until,
                last_failure: row.last_failed_login_at,
            },
            Secret::Mpin => Guard {
                failures: u32::try_from(row.failed_mpins).unwrap_or(0),
                ..Guard::default()
            },
        }))
    }

    async fn save_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
        guard: Guard,
    ) -> Result<(), DomainError> {
        let failures = Expr::value(i32::try_from(guard.failures).unwrap_or(i32::MAX));
        let update = match secret {
            Secret::Password => user::Entity::update_many()
                .col_expr(user::Column::FailedLogins, failures)
                .col_expr(user::Column::LockedUntil, Expr::value(guard.locked_until))
                .col_expr(
                    user::Column::LastFailedLoginAt,
                    Expr::value(guard.last_failure),
                ),
            Secret::Mpin => {
                user::Entity::update_many().col_expr(user::Column::FailedMpins, failures)
            }
        };
        update
            .filter(user::Column::CompanyId.eq(self.company_id))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
