//! Roles: named bundles of permissions. The system Company Admin role is fixed.

use chrono::Utc;
use domain::ports::{RoleGrant, Roles};
use domain::queries::{PageRequest, Paged, RoleView};
use domain::{DomainError, Name, PermissionSet, Version};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::{role, role_permission, user};
use crate::lookup::{permissions_of, role_grant};
use crate::tx::SeaTx;
use crate::write::lock_company;
use crate::{StoreError, Tenant, UniqueField};

const UNIQUE_ROLE_NAME: &[(UniqueField, &str)] = &[(UniqueField::Name, "name_key")];

impl Tenant<'_> {
    pub async fn list_roles(&self, page: PageRequest) -> Result<Paged<RoleView>, StoreError> {
        let total = role::Entity::find()
            .filter(role::Column::CompanyId.eq(self.company_id))
            .count(self.db)
            .await?;
        let roles = role::Entity::find()
            .filter(role::Column::CompanyId.eq(self.company_id))
            .order_by_desc(role::Column::System)
            .order_by_asc(role::Column::NameKey)
            .limit(page.per_page)
            .offset(page.offset())
            .all(self.db)
            .await?;
        let mut items = Vec::with_capacity(roles.len());
        for role in roles {
            items.push(self.role_view_of(role).await?);
        }
        Ok(Paged { items, total })
    }

    pub async fn role_view(&self, id: Uuid) -> Result<RoleView, StoreError> {
        let role = role::Entity::find_by_id((self.company_id, id))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.role_view_of(role).await
    }

    pub async fn role_named(&self, name: &Name) -> Result<Option<RoleView>, StoreError> {
        let role = role::Entity::find()
            .filter(role::Column::CompanyId.eq(self.company_id))
            .filter(role::Column::NameKey.eq(name.as_str().to_lowercase()))
            .one(self.db)
            .await?;
        match role {
            Some(role) => Ok(Some(self.role_view_of(role).await?)),
            None => Ok(None),
        }
    }

    async fn role_view_of(&self, role: role::Model) -> Result<RoleView, StoreError> {
        let permissions = permissions_of(self.db, self.company_id, &role).await?;
        let users_count =
            users_holding(self.db, self.company_id, user::Column::RoleId, role.id).await?;
        Ok(RoleView {
            id: role.id,
            name: role.name,
            system: role.system,
            permissions,
            users_count,
            version: Version(role.version),
        })
    }
}

impl Roles for SeaTx {
    async fn role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        let grant = role_grant(&self.txn, self.company_id, id).await?;
        Ok(grant.map(RoleGrant::from))
    }

    async fn lock_role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        self.role(id).await
    }

    async fn role_holders(&mut self, id: Uuid) -> Result<i64, DomainError> {
        Ok(users_holding(&self.txn, self.company_id, user::Column::RoleId, id).await?)
    }

    async fn insert_role(
        &mut self,
        name: &Name,
        permissions: PermissionSet,
    ) -> Result<Uuid, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        role::Entity::insert(role::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            name: Set(name.as_str().to_owned()),
            name_key: Set(name.as_str().to_lowercase()),
            system: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec(&self.txn)
        .await
        .map_err(|err| StoreError::from_write(err, UNIQUE_ROLE_NAME))?;
        grant(&self.txn, self.company_id, id, permissions).await?;
        Ok(id)
    }

    async fn save_role(
        &mut self,
        id: Uuid,
        name: Option<&Name>,
        permissions: Option<PermissionSet>,
    ) -> Result<(), DomainError> {
        let mut changed = role::ActiveModel {
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        if let Some(name) = name {
            changed.name = Set(name.as_str().to_owned());
            changed.name_key = Set(name.as_str().to_lowercase());
        }
        role::Entity::update_many()
            .set(changed)
            .col_expr(
                role::Column::Version,
                Expr::col(role::Column::Version).add(1),
            )
            .filter(role::Column::CompanyId.eq(self.company_id))
            .filter(role::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_ROLE_NAME))?;
        if let Some(permissions) = permissions {
            role_permission::Entity::delete_many()
                .filter(role_permission::Column::CompanyId.eq(self.company_id))
                .filter(role_permission::Column::RoleId.eq(id))
                .exec(&self.txn)
                .await
                .map_err(StoreError::from)?;
            grant(&self.txn, self.company_id, id, permissions).await?;
        }
        Ok(())
    }

    async fn delete_role(&mut self, id: Uuid) -> Result<(), DomainError> {
        // Its permissions go with it (ON DELETE CASCADE).
        role::Entity::delete_by_id((self.company_id, id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

/// Writes a role's permissions (rows of `role_permissions`).
pub(crate) async fn grant(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
    role_id: Uuid,
    permissions: PermissionSet,
) -> Result<(), StoreError> {
    let grants: Vec<_> = permissions
        .iter()
        .map(|permission| role_permission::ActiveModel {
            company_id: Set(company_id),
            role_id: Set(role_id),
            permission: Set(permission.to_string()),
        })
        .collect();
    if !grants.is_empty() {
        role_permission::Entity::insert_many(grants)
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// How many users of the company reference `id` through `column` (role, department, branch).
pub(crate) async fn users_holding(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    column: user::Column,
    id: Uuid,
) -> Result<i64, StoreError> {
    let query = Query::select()
        .expr_as(Expr::col(user::Column::Id).count(), "total")
        .from(user::Entity)
        .and_where(Expr::col(user::Column::CompanyId).eq(company_id))
        .and_where(Expr::col(column).eq(id))
        .take();
    let row = db
        .query_one_raw(db.get_database_backend().build(&query))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    })
}
