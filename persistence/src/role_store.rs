//! Roles: named bundles of permissions. The system Company Admin role is fixed.

use chrono::Utc;
use domain::{Name, PermissionSet, RuleViolation, rules};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{role, role_permission, user};
use crate::lookup::{RoleGrant, permissions_of, role_grant};
use crate::write::{lock_company, record};
use crate::{PageRequest, Paged, StoreError, Tenant, UniqueField};
use domain::{Actor, AuditEntry, AuditTarget};

/// A role as clients see it.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub system: bool,
    pub permissions: PermissionSet,
    pub users_count: i64,
}

/// A partial change of a role.
#[derive(Debug, Clone, Default)]
pub struct RolePatch {
    pub name: Option<Name>,
    pub permissions: Option<PermissionSet>,
}

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
        })
    }

    pub async fn create_role(
        &self,
        actor: &Actor,
        name: Name,
        permissions: PermissionSet,
    ) -> Result<Uuid, StoreError> {
        rules::within_actor(&actor.permissions, &permissions)?;
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let name = name.into_inner();
        role::Entity::insert(role::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            name: Set(name.clone()),
            name_key: Set(name.to_lowercase()),
            system: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(|err| StoreError::from_write(err, UNIQUE_ROLE_NAME))?;
        grant(&txn, self.company_id, id, permissions).await?;
        let entry = AuditEntry {
            action: "role.created",
            target: Some(AuditTarget {
                kind: "role",
                id,
                name,
            }),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn update_role(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: RolePatch,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let current = self.lock_editable_role(&txn, actor, id).await?;
        if let Some(permissions) = &patch.permissions {
            rules::within_actor(&actor.permissions, permissions)?;
        }
        let mut changes = Vec::new();
        let mut model: role::ActiveModel = current.role.clone().into();
        if let Some(name) = patch
            .name
            .map(Name::into_inner)
            .filter(|n| *n != current.role.name)
        {
            model.name_key = Set(name.to_lowercase());
            model.name = Set(name);
            changes.push("name");
        }
        if let Some(permissions) = patch.permissions.filter(|p| *p != current.permissions) {
            role_permission::Entity::delete_many()
                .filter(role_permission::Column::CompanyId.eq(self.company_id))
                .filter(role_permission::Column::RoleId.eq(id))
                .exec(&txn)
                .await?;
            grant(&txn, self.company_id, id, permissions).await?;
            changes.push("permissions");
        }
        if !changes.is_empty() {
            model.updated_at = Set(Utc::now());
            model
                .update(&txn)
                .await
                .map_err(|err| StoreError::from_write(err, UNIQUE_ROLE_NAME))?;
            let entry = AuditEntry {
                action: "role.updated",
                target: Some(AuditTarget {
                    kind: "role",
                    id,
                    name: current.role.name,
                }),
                changes,
            };
            record(&txn, self.company_id, actor, entry).await?;
        }
        Ok(txn.commit().await?)
    }

    pub async fn delete_role(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let current = self.lock_editable_role(&txn, actor, id).await?;
        rules::unused(users_holding(&txn, self.company_id, user::Column::RoleId, id).await?)?;
        // Its permissions go with it (ON DELETE CASCADE).
        role::Entity::delete_by_id((self.company_id, id))
            .exec(&txn)
            .await?;
        let entry = AuditEntry {
            action: "role.deleted",
            target: Some(AuditTarget {
                kind: "role",
                id,
                name: current.role.name,
            }),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        Ok(txn.commit().await?)
    }
}

impl Tenant<'_> {
    /// Takes the company lock, then loads a role the actor may change: not the system role,
    /// and granting nothing the actor lacks.
    async fn lock_editable_role(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: Uuid,
    ) -> Result<RoleGrant, StoreError> {
        lock_company(txn, self.company_id).await?;
        let role = role_grant(txn, self.company_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if role.role.system {
            return Err(RuleViolation::SystemRole.into());
        }
        rules::within_actor(&actor.permissions, &role.permissions)?;
        Ok(role)
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
