//! What clients read of leads: one lead, a filtered page, the lead-load report.

use domain::Version;
use domain::queries::{LeadFilter, LeadLoad, LeadView, NamedRef, PageRequest, Paged};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::candidates::candidates;
use crate::entity::{lead, user};
use crate::query::{escape_like, matches_nothing, storable};
use crate::{StoreError, Tenant};

impl Tenant<'_> {
    pub async fn lead_view(&self, id: Uuid) -> Result<LeadView, StoreError> {
        let query = self
            .lead_select()
            .and_where(Expr::col((lead::Entity, lead::Column::Id)).eq(id))
            .take();
        let row = self
            .db
            .query_one_raw(self.db.get_database_backend().build(&query))
            .await?
            .ok_or(StoreError::NotFound)?;
        lead_from_row(&row)
    }

    pub async fn list_leads(
        &self,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Paged<LeadView>, StoreError> {
        let condition = lead_condition(filter);
        let backend = self.db.get_database_backend();
        let count = Query::select()
            .expr_as(Expr::col((lead::Entity, lead::Column::Id)).count(), "total")
            .from(lead::Entity)
            .and_where(Expr::col((lead::Entity, lead::Column::CompanyId)).eq(self.company_id))
            .cond_where(condition.clone())
            .take();
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let query = self
            .lead_select()
            .cond_where(condition)
            .order_by((lead::Entity, lead::Column::Id), Order::Desc)
            .limit(page.per_page)
            .offset(page.offset())
            .take();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        let items = rows.iter().map(lead_from_row).collect::<Result<_, _>>()?;
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    fn lead_select(&self) -> SelectStatement {
        let assignee = Alias::new("a");
        Query::select()
            .columns(
                [
                    lead::Column::Id,
                    lead::Column::Name,
                    lead::Column::Phone,
                    lead::Column::Email,
                    lead::Column::Source,
                    lead::Column::Status,
                    lead::Column::AssigneeId,
                    lead::Column::AssignedAt,
                    lead::Column::CreatedAt,
                    lead::Column::Version,
                ]
                .map(|c| (lead::Entity, c)),
            )
            .expr_as(
                Expr::col((assignee.clone(), user::Column::Name)),
                "assignee_name",
            )
            .from(lead::Entity)
            .join_as(
                sea_orm::JoinType::LeftJoin,
                user::Entity,
                assignee.clone(),
                Expr::col((assignee.clone(), user::Column::CompanyId))
                    .equals((lead::Entity, lead::Column::CompanyId))
                    .and(
                        Expr::col((assignee.clone(), user::Column::Id))
                            .equals((lead::Entity, lead::Column::AssigneeId)),
                    ),
            )
            .and_where(Expr::col((lead::Entity, lead::Column::CompanyId)).eq(self.company_id))
            .take()
    }

    /// Every user with their cap and the open leads they hold, by name.
    pub async fn lead_load(&self) -> Result<Vec<LeadLoad>, StoreError> {
        let mut users = candidates(self.db, self.company_id).await?;
        users.sort_by(|a, b| {
            a.1.to_lowercase()
                .cmp(&b.1.to_lowercase())
                .then(a.0.id.cmp(&b.0.id))
        });
        Ok(users
            .into_iter()
            .map(|(c, name)| LeadLoad {
                user_id: c.id,
                name,
                lead_cap: i32::try_from(c.cap).unwrap_or(i32::MAX),
                leads_held: c.held,
            })
            .collect())
    }
}

fn lead_condition(filter: &LeadFilter) -> Condition {
    let column = |c: lead::Column| Expr::col((lead::Entity, c));
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(column(lead::Column::Status).eq(status.as_str()));
    }
    if let Some(id) = filter.assignee_id {
        condition = condition.add(column(lead::Column::AssigneeId).eq(id));
    }
    if filter.unassigned {
        condition = condition.add(column(lead::Column::AssigneeId).is_null());
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let matches = |c: lead::Column| {
            sea_orm::sea_query::Func::lower(column(c))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = if storable(q) {
            condition.add(
                Condition::any()
                    .add(matches(lead::Column::Name))
                    .add(matches(lead::Column::Phone))
                    .add(matches(lead::Column::Email))
                    .add(matches(lead::Column::Source)),
            )
        } else {
            condition.add(matches_nothing())
        };
    }
    condition
}

fn lead_from_row(row: &QueryResult) -> Result<LeadView, StoreError> {
    let assignee_id: Option<Uuid> = row.try_get("", "assignee_id")?;
    let assignee_name: Option<String> = row.try_get("", "assignee_name")?;
    Ok(LeadView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        phone: row.try_get("", "phone")?,
        email: row.try_get("", "email")?,
        source: row.try_get("", "source")?,
        status: row.try_get("", "status")?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| NamedRef { id, name }),
        assigned_at: row.try_get("", "assigned_at")?,
        created_at: row.try_get("", "created_at")?,
        version: Version(row.try_get("", "version")?),
    })
}
