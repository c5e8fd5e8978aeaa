use chrono::Utc;
use domain::auth::{NewCompany, SignedUpCompany};
use domain::ports::Companies;
use domain::users::{NewUserRecord, UserDetails};
use domain::{DEFAULT_ROLES, DomainError, LeadCap};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::entity::{company, role, subscription, user};
use crate::jobs::LOOK_AT_ONCE;
use crate::role_store::grant;
use crate::users::new_user_row;
use crate::{Store, StoreError, UniqueField};

impl Companies for Store {
    /// Everything in one transaction: a failure (a taken code, say) leaves nothing behind.
    async fn create_company(&self, new: &NewCompany) -> Result<SignedUpCompany, DomainError> {
        Ok(self.insert_company(new).await?)
    }
}

impl Store {
    async fn insert_company(&self, new: &NewCompany) -> Result<SignedUpCompany, StoreError> {
        let now = Utc::now();
        let company_id = Uuid::now_v7();
        let txn = self.db.begin().await?;

        let company = company::ActiveModel {
            id: Set(company_id),
            name: Set(new.name.as_str().to_owned()),
            code: Set(new.code.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            top_up_due_at: Set(Some(LOOK_AT_ONCE)),
        };
        company::Entity::insert(company)
            .exec(&txn)
            .await
            .map_err(|err| StoreError::from_write(err, &[(UniqueField::CompanyCode, "code")]))?;

        subscription::Entity::insert(subscription::ActiveModel {
            company_id: Set(company_id),
            plan: Set("standard".to_owned()),
            agent_limit: Set(new.agent_limit),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec(&txn)
        .await?;

        let mut admin_role_id = None;
        for default in DEFAULT_ROLES {
            let role_id = Uuid::now_v7();
            if default.system {
                admin_role_id = Some(role_id);
            }
            role::Entity::insert(role::ActiveModel {
                company_id: Set(company_id),
                id: Set(role_id),
                name: Set(default.name.to_owned()),
                name_key: Set(default.name.to_lowercase()),
                system: Set(default.system),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .exec(&txn)
            .await?;
            // The system role's permissions are the catalogue by construction, never rows.
            if !default.system {
                grant(&txn, company_id, role_id, default.permissions()).await?;
            }
        }
        let admin_role_id = admin_role_id.ok_or_else(|| {
            sea_orm::DbErr::Custom("no system role among the defaults".to_owned())
        })?;

        let admin_id = Uuid::now_v7();
        let admin = NewUserRecord {
            details: UserDetails {
                name: new.admin.name.clone(),
                email: new.admin.email.clone(),
                employee_code: None,
                phone: None,
                department_id: None,
                branch_id: None,
                role_id: admin_role_id,
                lead_cap: LeadCap::default(),
                external_id: None,
                banned: false,
            },
            password_hash: new.admin.password_hash.clone(),
            mpin_hash: None,
        };
        user::Entity::insert(new_user_row(company_id, admin_id, admin, now))
            .exec(&txn)
            .await?;

        txn.commit().await?;
        Ok(SignedUpCompany {
            company_id,
            name: new.name.as_str().to_owned(),
            code: new.code.as_str().to_owned(),
            admin_id,
        })
    }
}
