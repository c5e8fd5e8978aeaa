//! The users as the fairness rule sees them: cap, ban, last assignment and the open leads
//! each holds (`leads_held`, kept by `held.rs`).

use domain::Candidate;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::user;

/// Every user of the company as the fairness rule sees them, with their names, in id order.
pub(crate) async fn candidates(
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<Vec<(Candidate<Uuid>, String)>, StoreError> {
    let query = candidate_select(company_id)
        .order_by((user::Entity, user::Column::Id), Order::Asc)
        .take();
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    rows.iter().map(candidate_from_row).collect()
}

/// One user as the fairness rule sees them.
pub(crate) async fn candidate(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Candidate<Uuid>>, StoreError> {
    let query = candidate_select(company_id)
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .take();
    let row = db
        .query_one_raw(db.get_database_backend().build(&query))
        .await?;
    row.as_ref()
        .map(|row| candidate_from_row(row).map(|(c, _)| c))
        .transpose()
}

fn candidate_select(company_id: Uuid) -> SelectStatement {
    Query::select()
        .columns(
            [
                user::Column::Id,
                user::Column::Name,
                user::Column::Banned,
                user::Column::LeadCap,
                user::Column::LastAssignedAt,
                user::Column::LeadsHeld,
            ]
            .map(|c| (user::Entity, c)),
        )
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(company_id))
        .take()
}

fn candidate_from_row(row: &QueryResult) -> Result<(Candidate<Uuid>, String), StoreError> {
    let cap: i32 = row.try_get("", "lead_cap")?;
    let candidate = Candidate {
        id: row.try_get("", "id")?,
        banned: row.try_get("", "banned")?,
        held: row.try_get::<i32>("", "leads_held")?.into(),
        cap: cap.into(),
        last_assigned_at: row.try_get("", "last_assigned_at")?,
    };
    Ok((candidate, row.try_get("", "name")?))
}
