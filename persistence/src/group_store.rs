//! Departments and branches: named groups a user may belong to. The two tables have the
//! same shape, so one implementation serves both, parameterised by [`GroupKind`].

use chrono::Utc;
use domain::ports::{GroupKind, GroupRecord, Groups};
use domain::queries::{GroupView, PageRequest, Paged};
use domain::{DomainError, Name, Version};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, QueryStatementBuilder};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::entity::user;
use crate::role_store::users_holding;
use crate::tx::SeaTx;
use crate::write::lock_company;
use crate::{StoreError, Tenant, UniqueField};

fn table(kind: GroupKind) -> Alias {
    Alias::new(match kind {
        GroupKind::Department => "departments",
        GroupKind::Branch => "branches",
    })
}

fn user_column(kind: GroupKind) -> user::Column {
    match kind {
        GroupKind::Department => user::Column::DepartmentId,
        GroupKind::Branch => user::Column::BranchId,
    }
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
            .from(table(kind))
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .take();
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let query = self
            .group_select(kind)
            .order_by((table(kind), col("name_key")), Order::Asc)
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

    pub async fn group_named(
        &self,
        kind: GroupKind,
        name: &Name,
    ) -> Result<Option<GroupView>, StoreError> {
        let query = self
            .group_select(kind)
            .and_where(Expr::col((table(kind), col("name_key"))).eq(name.as_str().to_lowercase()))
            .take();
        let backend = self.db.get_database_backend();
        let row = self.db.query_one_raw(backend.build(&query)).await?;
        row.as_ref().map(group_from_row).transpose()
    }

    /// Groups with the number of users in each, counted in the same query.
    fn group_select(&self, kind: GroupKind) -> sea_orm::sea_query::SelectStatement {
        let users_count = Query::select()
            .expr(Expr::col((user::Entity, user::Column::Id)).count())
            .from(user::Entity)
            .and_where(
                Expr::col((user::Entity, user::Column::CompanyId))
                    .equals((table(kind), col("company_id"))),
            )
            .and_where(
                Expr::col((user::Entity, user_column(kind))).equals((table(kind), col("id"))),
            )
            .take();
        Query::select()
            .column((table(kind), col("id")))
            .column((table(kind), col("name")))
            .column((table(kind), col("version")))
            .expr_as(
                Expr::SubQuery(None, Box::new(users_count.into_sub_query_statement())),
                "users_count",
            )
            .from(table(kind))
            .and_where(Expr::col((table(kind), col("company_id"))).eq(self.company_id))
            .take()
    }

    async fn group_view_in(
        &self,
        txn: &impl ConnectionTrait,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<GroupView, StoreError> {
        let query = self
            .group_select(kind)
            .and_where(Expr::col((table(kind), col("id"))).eq(id))
            .take();
        let row = txn
            .query_one_raw(txn.get_database_backend().build(&query))
            .await?
            .ok_or(StoreError::NotFound)?;
        group_from_row(&row)
    }
}

impl Groups for SeaTx {
    async fn group_exists(&mut self, kind: GroupKind, id: Uuid) -> Result<bool, DomainError> {
        Ok(self.group(kind, id).await?.is_some())
    }

    async fn lock_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<Option<GroupRecord>, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        Ok(self.group(kind, id).await?)
    }

    async fn group_members(&mut self, kind: GroupKind, id: Uuid) -> Result<i64, DomainError> {
        Ok(users_holding(&self.txn, self.company_id, user_column(kind), id).await?)
    }

    async fn insert_group(&mut self, kind: GroupKind, name: &Name) -> Result<Uuid, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table(table(kind))
            .columns(
                [
                    "company_id",
                    "id",
                    "name",
                    "name_key",
                    "created_at",
                    "updated_at",
                    "version",
                ]
                .map(col),
            )
            .values([
                self.company_id.into(),
                id.into(),
                name.as_str().into(),
                name.as_str().to_lowercase().into(),
                now.into(),
                now.into(),
                1i64.into(),
            ])
            .map_err(DomainError::fault)?;
        self.txn
            .execute_raw(self.txn.get_database_backend().build(&insert))
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_GROUP_NAME))?;
        Ok(id)
    }

    async fn rename_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
        name: &Name,
    ) -> Result<(), DomainError> {
        let update = Query::update()
            .table(table(kind))
            .values([
                (col("name"), name.as_str().into()),
                (col("name_key"), name.as_str().to_lowercase().into()),
                (col("updated_at"), Utc::now().into()),
                (col("version"), Expr::col(col("version")).add(1)),
            ])
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .and_where(Expr::col(col("id")).eq(id))
            .take();
        self.txn
            .execute_raw(self.txn.get_database_backend().build(&update))
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_GROUP_NAME))?;
        Ok(())
    }

    async fn delete_group(&mut self, kind: GroupKind, id: Uuid) -> Result<(), DomainError> {
        let delete = Query::delete()
            .from_table(table(kind))
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .and_where(Expr::col(col("id")).eq(id))
            .take();
        self.txn
            .execute_raw(self.txn.get_database_backend().build(&delete))
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl SeaTx {
    /// The company's group `id` of `kind`, if there is one.
    async fn group(&self, kind: GroupKind, id: Uuid) -> Result<Option<GroupRecord>, StoreError> {
        let query = Query::select()
            .columns([col("name"), col("version")])
            .from(table(kind))
            .and_where(Expr::col(col("company_id")).eq(self.company_id))
            .and_where(Expr::col(col("id")).eq(id))
            .take();
        let statement = self.txn.get_database_backend().build(&query);
        match self.txn.query_one_raw(statement).await? {
            Some(row) => Ok(Some(GroupRecord {
                id,
                name: row.try_get("", "name")?,
                version: Version(row.try_get("", "version")?),
            })),
            None => Ok(None),
        }
    }
}

fn group_from_row(row: &QueryResult) -> Result<GroupView, StoreError> {
    Ok(GroupView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        users_count: row.try_get("", "users_count")?,
        version: Version(row.try_get("", "version")?),
    })
}
