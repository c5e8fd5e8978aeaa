//! The [`Users`] port: the writes of the user use cases, inside their transaction.

use chrono::Utc;
use domain::DomainError;
use domain::auth::Account;
use domain::ports::Users;
use domain::users::{NewSecrets, NewUserRecord, UserRecord};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LockType, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::row::{changed_row, new_user_row};
use crate::auth::account;
use crate::entity::{lead, user};
use crate::lookup::active_admins;
use crate::tx::SeaTx;
use crate::write::lock_company;
use crate::{StoreError, UniqueField};

const UNIQUE_USER_FIELDS: &[(UniqueField, &str)] = &[
    (UniqueField::Email, "email"),
    (UniqueField::EmployeeCode, "employee_code"),
];

impl Users for SeaTx {
    async fn lock_user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        self.lock_user_alone(id).await
    }

    async fn lock_user_alone(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        // A lead intake locks only the user it picks, not the company, so a change of this
        // user (deleting them above all) must wait for one in flight.
        let user = user::Entity::find_by_id((self.company_id, id))
            .lock(LockType::NoKeyUpdate)
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(user.map(UserRecord::from))
    }

    async fn user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        let user = user::Entity::find_by_id((self.company_id, id))
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(user.map(UserRecord::from))
    }

    async fn active_admins(&mut self) -> Result<i64, DomainError> {
        Ok(active_admins(&self.txn, self.company_id).await?)
    }

    async fn insert_user(&mut self, new: NewUserRecord) -> Result<Uuid, DomainError> {
        let id = Uuid::now_v7();
        user::Entity::insert(new_user_row(self.company_id, id, new, Utc::now()))
            .exec(&self.txn)
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_USER_FIELDS))?;
        Ok(id)
    }

    async fn save_user(
        &mut self,
        record: &UserRecord,
        secrets: NewSecrets,
    ) -> Result<(), DomainError> {
        let mut row = changed_row(record, Utc::now());
        // A new secret also lifts its lockout.
        if let Some(hash) = secrets.password_hash {
            row.password_hash = Set(hash);
            row.failed_logins = Set(0);
            row.locked_until = Set(None);
            row.last_failed_login_at = Set(None);
        }
        if let Some(hash) = secrets.mpin_hash {
            row.mpin_hash = Set(Some(hash));
            row.failed_mpins = Set(0);
        }
        user::Entity::update_many()
            .set(row)
            .col_expr(user::Column::Version, next_version())
            .filter(user::Column::CompanyId.eq(self.company_id))
            .filter(user::Column::Id.eq(record.id))
            .exec(&self.txn)
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_USER_FIELDS))?;
        Ok(())
    }

    async fn account(&mut self, id: Uuid) -> Result<Option<Account>, DomainError> {
        let user = user::Entity::find_by_id((self.company_id, id))
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(user.map(|user| account(self.company_id, user)))
    }

    async fn set_own_password(&mut self, id: Uuid, hash: String) -> Result<(), DomainError> {
        let row = user::ActiveModel {
            password_hash: Set(hash),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        self.update_own(id, row).await
    }

    async fn set_own_mpin(&mut self, id: Uuid, hash: String) -> Result<(), DomainError> {
        let row = user::ActiveModel {
            mpin_hash: Set(Some(hash)),
            failed_mpins: Set(0),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        self.update_own(id, row).await
    }

    async fn delete_user(&mut self, id: Uuid) -> Result<(), DomainError> {
        lead::Entity::update_many()
            .col_expr(lead::Column::AssigneeId, Expr::value(Option::<Uuid>::None))
            .col_expr(
                lead::Column::AssignedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(lead::Column::Version, crate::leads::next_version())
            .filter(lead::Column::CompanyId.eq(self.company_id))
            .filter(lead::Column::AssigneeId.eq(id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        // Sessions and devices go with the user (ON DELETE CASCADE): its tokens stop at once.
        user::Entity::delete_by_id((self.company_id, id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl SeaTx {
    /// Writes the set columns of `row` to the user `id`.
    async fn update_own(&self, id: Uuid, row: user::ActiveModel) -> Result<(), DomainError> {
        user::Entity::update_many()
            .set(row)
            .col_expr(user::Column::Version, next_version())
            .filter(user::Column::CompanyId.eq(self.company_id))
            .filter(user::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

/// The user's version after this write.
fn next_version() -> SimpleExpr {
    Expr::col(user::Column::Version).add(1)
}
