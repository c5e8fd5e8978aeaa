//! Reads that changes make inside their transaction, after taking the company lock.

use domain::ports::RoleGrant;
use domain::{Permission, PermissionSet, Version, role_permissions};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{role, role_permission, subscription, user};

/// A role and what it grants.
#[derive(Debug, Clone)]
pub(crate) struct StoredRole {
    pub role: role::Model,
    pub permissions: PermissionSet,
}

impl From<StoredRole> for RoleGrant {
    fn from(stored: StoredRole) -> Self {
        Self {
            id: stored.role.id,
            name: stored.role.name,
            system: stored.role.system,
            permissions: stored.permissions,
            version: Version(stored.role.version),
        }
    }
}

pub(crate) async fn role_grant(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    role_id: Uuid,
) -> Result<Option<StoredRole>, StoreError> {
    let Some(role) = role::Entity::find_by_id((company_id, role_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let permissions = permissions_of(txn, company_id, &role).await?;
    Ok(Some(StoredRole { role, permissions }))
}

/// What a role grants: the whole catalogue for the system role (no rows read), its stored
/// grants for any other.
pub(crate) async fn permissions_of(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    role: &role::Model,
) -> Result<PermissionSet, StoreError> {
    if role.system {
        return Ok(role_permissions(true, PermissionSet::empty()));
    }
    let stored = role_permission::Entity::find()
        .filter(role_permission::Column::CompanyId.eq(company_id))
        .filter(role_permission::Column::RoleId.eq(role.id))
        .all(db)
        .await?
        .into_iter()
        // A permission this build does not know (written by a newer version) grants nothing.
        .filter_map(|grant| grant.permission.parse::<Permission>().ok())
        .collect();
    Ok(role_permissions(false, stored))
}

pub(crate) async fn seats_used(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<i64, StoreError> {
    let count = user::Entity::find()
        .filter(user::Column::CompanyId.eq(company_id))
        .count(txn)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

pub(crate) async fn subscription_of(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<subscription::Model, StoreError> {
    subscription::Entity::find_by_id(company_id)
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Users of the system Company Admin role who are not banned.
pub(crate) async fn active_admins(
    txn: &DatabaseTransaction,
    company_id: Uuid,
) -> Result<i64, StoreError> {
    let admin_roles: Vec<Uuid> = role::Entity::find()
        .filter(role::Column::CompanyId.eq(company_id))
        .filter(role::Column::System.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let count = user::Entity::find()
        .filter(user::Column::CompanyId.eq(company_id))
        .filter(user::Column::RoleId.is_in(admin_roles))
        .filter(user::Column::Banned.eq(false))
        .count(txn)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}
