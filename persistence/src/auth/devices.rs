//! [`Devices`]: the devices registered for M-PIN sign-in.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::auth::{Device, DeviceRecord, NewDevice};
use domain::ports::Devices;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{device, session};
use crate::tx::SeaTx;

impl Devices for SeaTx {
    async fn register_device(
        &mut self,
        user_id: Uuid,
        new: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Device, DomainError> {
        let id = Uuid::now_v7();
        device::Entity::insert(device::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            user_id: Set(user_id),
            name: Set(new.name.as_str().to_owned()),
            token_hash: Set(new.token_hash.clone()),
            created_at: Set(now),
            last_used_at: Set(now),
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        Ok(Device {
            id,
            name: new.name.as_str().to_owned(),
        })
    }

    async fn remove_devices(
        &mut self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), DomainError> {
        let mut remove = device::Entity::delete_many()
            .filter(device::Column::CompanyId.eq(self.company_id))
            .filter(device::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            remove = remove.filter(device::Column::Id.ne(keep));
        }
        remove.exec(&self.txn).await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn user_devices(&mut self, user_id: Uuid) -> Result<Vec<DeviceRecord>, DomainError> {
        let devices = device::Entity::find()
            .filter(device::Column::CompanyId.eq(self.company_id))
            .filter(device::Column::UserId.eq(user_id))
            .order_by_desc(device::Column::LastUsedAt)
            .order_by_desc(device::Column::Id)
            .all(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(devices
            .into_iter()
            .map(|d| DeviceRecord {
                id: d.id,
                name: d.name,
                created_at: d.created_at,
                last_used_at: d.last_used_at,
            })
            .collect())
    }

    async fn remove_device(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<Device>, DomainError> {
        let found = device::Entity::find_by_id((self.company_id, id))
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?;
        let Some(found) = found.filter(|d| d.user_id == user_id) else {
            return Ok(None);
        };
        device::Entity::delete_by_id((self.company_id, id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::CompanyId.eq(self.company_id))
            .filter(session::Column::DeviceId.eq(id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(Some(Device {
            id,
            name: found.name,
        }))
    }

    async fn touch_device(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError> {
        device::Entity::update_many()
            .col_expr(device::Column::LastUsedAt, Expr::value(now))
            .filter(device::Column::CompanyId.eq(self.company_id))
            .filter(device::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
