//! `calliyo admin restore`: the way back for a company left without an active Company Admin.

use chrono::Utc;
use domain::{CompanyCode, Email};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{company, role, user};
use crate::write::{lock_company, record_by_operator};
use crate::{Store, StoreError};
use domain::{AuditEntry, AuditTarget};

impl Store {
    /// Gives the user the system Company Admin role, lifts a ban and clears their lockouts,
    /// in one transaction recorded as `user.restored`. Returns the user's id.
    pub async fn restore_admin(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Uuid, StoreError> {
        let txn = self.db.begin().await?;
        let company = company::Entity::find()
            .filter(company::Column::Code.eq(code.as_str()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        lock_company(&txn, company.id).await?;
        let target = user::Entity::find()
            .filter(user::Column::CompanyId.eq(company.id))
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let admin_role = role::Entity::find()
            .filter(role::Column::CompanyId.eq(company.id))
            .filter(role::Column::System.eq(true))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (id, name) = (target.id, target.name.clone());
        let version = target.version + 1;
        let mut model: user::ActiveModel = target.into();
        model.role_id = Set(admin_role.id);
        model.banned = Set(false);
        model.failed_logins = Set(0);
        model.locked_until = Set(None);
        model.last_failed_login_at = Set(None);
        model.updated_at = Set(Utc::now());
        model.version = Set(version);
        model.update(&txn).await?;
        let entry = AuditEntry {
            action: "user.restored",
            target: Some(AuditTarget {
                kind: "user",
                id,
                name,
            }),
            changes: vec!["role_id", "banned"],
        };
        record_by_operator(&txn, company.id, entry).await?;
        txn.commit().await?;
        Ok(id)
    }
}
