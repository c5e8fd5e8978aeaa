//! Departments and branches: named groups a user may belong to. The two tables have the
//! same shape, so one implementation serves both, parameterised by [`GroupKind`].

use chrono::Utc;
use domain::{Name, rules};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, QueryStatementBuilder};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait};
use uuid::Uuid;

use crate::entity::user;
use crate::role_store::users_holding;
use crate::write::{lock_company, record};
use crate::{PageRequest, Paged, StoreError, Tenant, UniqueField};
use domain::{Actor, AuditEntry, AuditTarget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Department,
    Branch,
}

impl GroupKind {
    fn table(self) -> Alias {
        Alias::new(match self {
            GroupKind::Department => "departments",
            GroupKind::Branch => "branches",
        })
    }

    /// The audit trail's target type and the prefix of its actions.
    fn kind(self) -> &'static str {
        match self {
            GroupKind::Department => "department",
            GroupKind::Branch => "branch",
        }
    }

    fn user_column(self) -> user::Column {
        match self {
            GroupKind::Department => user::Column::DepartmentId,
            GroupKind::Branch => user::Column::BranchId,
        }
    }

    fn action(self, verb: &str) -> &'static str {
        match (self, verb) {
            (GroupKind::Department, "created") => "department.created",
            (GroupKind::Department, "updated") => "department.updated",
            (GroupKind::Department, _) => "department.deleted",
            (GroupKind::Branch, "created") => "branch.created",
            (GroupKind::Branch, "updated") => "branch.updated",
            (GroupKind::Branch, _) => "branch.deleted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub users_count: i64,
}

const UNIQUE_GROUP_NAME: &[(UniqueField, &str)] = &[(UniqueField::Name, "name_key")];

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl Tenant<'_> {
    pub async fn list_groups(
        &self,
        kind: GroupKind,
        page: PageRequest,
    ) -> Result<Paged<GroupView>, StoreError> {
        let backend = self.db.get_database_backend();
        let count = Query::select()
            .expr_as(Expr::col(col("id")).count(), "total")
            .from(kind.table())
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .take();
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let query = self
            .group_select(kind)
            .order_by((kind.table(), col("name_key")), Order::Asc)
            .limit(page.per_page)
            .offset(page.offset())
            .take();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        let items = rows.iter().map(group_from_row).collect::<Result<_, _>>()?;
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    pub async fn group_view(&self, kind: GroupKind, id: Uuid) -> Result<GroupView, StoreError> {
        self.group_view_in(self.db, kind, id).await
    }

    /// Groups with the number of users in each, counted in the same query.
    fn group_select(&self, kind: GroupKind) -> sea_orm::sea_query::SelectStatement {
        let users_count = Query::select()
            .expr(Expr::col((user::Entity, user::Column::Id)).count())
            .from(user::Entity)
            .and_where(
                Expr::col((user::Entity, user::Column::CompanyId))
                    .equals((kind.table(), col("company_id"))),
            )
            .and_where(
                Expr::col((user::Entity, kind.user_column())).equals((kind.table(), col("id"))),
            )
            .take();
        Query::select()
            .column((kind.table(), col("id")))
            .column((kind.table(), col("name")))
            .expr_as(
                Expr::SubQuery(None, Box::new(users_count.into_sub_query_statement())),
                "users_count",
            )
            .from(kind.table())
            .and_where(Expr::col((kind.table(), col("company_id"))).eq(self.company_id))
            .take()
    }

    pub async fn create_group(
        &self,
        actor: &Actor,
        kind: GroupKind,
        name: Name,
    ) -> Result<Uuid, StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let name = name.into_inner();
        let mut insert = Query::insert();
        insert
            .into_table(kind.table())
            .columns(
                [
                    "company_id",
                    "id",
                    "name",
                    "name_key",
                    "created_at",
                    "updated_at",
                ]
                .map(col),
            )
            .values([
                self.company_id.into(),
                id.into(),
                name.clone().into(),
                name.to_lowercase().into(),
                now.into(),
                now.into(),
            ])
            .map_err(|err| sea_orm::DbErr::Custom(err.to_string()))?;
        txn.execute_raw(txn.get_database_backend().build(&insert))
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_GROUP_NAME))?;
        let target = AuditTarget {
            kind: kind.kind(),
            id,
            name,
        };
        let entry = AuditEntry {
            action: kind.action("created"),
            target: Some(target),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn rename_group(
        &self,
        actor: &Actor,
        kind: GroupKind,
        id: Uuid,
        name: Name,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let before = self.group_view_in(&txn, kind, id).await?;
        let name = name.into_inner();
        if before.name != name {
            let update = Query::update()
                .table(kind.table())
                .values([
                    (col("name"), name.clone().into()),
                    (col("name_key"), name.to_lowercase().into()),
                    (col("updated_at"), Utc::now().into()),
                ])
                .and_where(Expr::col(col("company_id")).eq(self.company_id))
                .and_where(Expr::col(col("id")).eq(id))
                .take();
            txn.execute_raw(txn.get_database_backend().build(&update))
                .await
                .map_err(|err| StoreError::from_write(err, UNIQUE_GROUP_NAME))?;
            let target = AuditTarget {
                kind: kind.kind(),
                id,
                name: before.name,
            };
            let entry = AuditEntry {
                action: kind.action("updated"),
                target: Some(target),
                changes: vec!["name"],
            };
            record(&txn, self.company_id, actor, entry).await?;
        }
        Ok(txn.commit().await?)
    }

    pub async fn delete_group(
        &self,
        actor: &Actor,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let before = self.group_view_in(&txn, kind, id).await?;
        rules::unused(users_holding(&txn, self.company_id, kind.user_column(), id).await?)?;
        let delete = Query::delete()
            .from_table(kind.table())
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .and_where(Expr::col(col("id")).eq(id))
            .take();
        txn.execute_raw(txn.get_database_backend().build(&delete))
            .await?;
        let target = AuditTarget {
            kind: kind.kind(),
            id,
            name: before.name,
        };
        let entry = AuditEntry {
            action: kind.action("deleted"),
            target: Some(target),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        Ok(txn.commit().await?)
    }

    async fn group_view_in(
        &self,
        txn: &impl ConnectionTrait,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<GroupView, StoreError> {
        let query = self
            .group_select(kind)
            .and_where(Expr::col((kind.table(), col("id"))).eq(id))
            .take();
        let row = txn
            .query_one_raw(txn.get_database_backend().build(&query))
            .await?
            .ok_or(StoreError::NotFound)?;
        group_from_row(&row)
    }
}

fn group_from_row(row: &QueryResult) -> Result<GroupView, StoreError> {
    Ok(GroupView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        users_count: row.try_get("", "users_count")?,
    })
}
