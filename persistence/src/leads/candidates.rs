//! The users as the fairness rule sees them: cap, ban, last assignment and the open leads
//! each holds (`leads_held`, kept by `held.rs`).

use domain::Candidate;
use domain::queries::NamedRef;
use sea_orm::sea_query::{
    Expr, ExprTrait, LockBehavior, LockType, NullOrdering, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult};
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
    all_candidates(db, &query).await
}

/// Like [`candidates`], locking every row read (PostgreSQL; SQLite's transactions hold the
/// database's write lock from their start).
pub(crate) async fn lock_candidates(
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<Vec<(Candidate<Uuid>, String)>, StoreError> {
    let query = candidate_select(company_id)
        .order_by((user::Entity, user::Column::Id), Order::Asc)
        .lock(LockType::NoKeyUpdate)
        .take();
    all_candidates(db, &query).await
}

async fn all_candidates(
    db: &impl ConnectionTrait,
    query: &SelectStatement,
) -> Result<Vec<(Candidate<Uuid>, String)>, StoreError> {
    let rows = db
        .query_all_raw(db.get_database_backend().build(query))
        .await?;
    rows.iter().map(candidate_from_row).collect()
}

/// Locks one user, then reads them as the fairness rule sees them, with their name.
pub(crate) async fn lock_candidate(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(Candidate<Uuid>, String)>, StoreError> {
    let query = candidate_select(company_id)
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .lock(LockType::NoKeyUpdate)
        .take();
    let row = db
        .query_one_raw(db.get_database_backend().build(&query))
        .await?;
    row.as_ref().map(candidate_from_row).transpose()
}

/// The fairness rule's pick, read from the `users_fairest` index: a user not banned, with
/// the most free capacity (`lead_cap - leads_held`), then the least recently assigned (never
/// first), then the greatest id, as `domain::pick_assignee` breaks ties; that user's row
/// locked. SQLite serializes writing transactions, so one read is the pick.
///
/// PostgreSQL: intakes run side by side, so the pick never waits while it holds a lock: a
/// scan that locks a row whose newer version no longer fits (another intake filled it) keeps
/// that lock to the end of the transaction, and waiting while holding it can close a cycle
/// with a distribution (which locks every user in id order). So:
/// 1. the fairest user no one holds (`SKIP LOCKED`): concurrent intakes take the next-best;
/// 2. when every user with room is held (a distribution holds them all), the locks step 1
///    took are dropped (its savepoint rolled back) and the fairest one is waited for alone;
/// 3. should they have filled up meanwhile, step 1 once more, without waiting.
pub(crate) async fn lock_fairest(
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<Option<NamedRef>, StoreError> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return first_user(db, &fairest(company_id)).await;
    }
    let skip_locked = || {
        fairest(company_id)
            .lock_with_behavior(LockType::NoKeyUpdate, LockBehavior::SkipLocked)
            .take()
    };
    db.execute_unprepared("SAVEPOINT fairest_pick").await?;
    if let Some(user) = first_user(db, &skip_locked()).await? {
        return Ok(Some(user));
    }
    db.execute_unprepared("ROLLBACK TO SAVEPOINT fairest_pick")
        .await?;
    let Some(best) = first_user(db, &fairest(company_id)).await? else {
        return Ok(None);
    };
    let with_room = fairest(company_id)
        .and_where(Expr::col(user::Column::Id).eq(best.id))
        .lock(LockType::NoKeyUpdate)
        .take();
    if let Some(user) = first_user(db, &with_room).await? {
        return Ok(Some(user));
    }
    first_user(db, &skip_locked()).await
}

async fn first_user(
    db: &impl ConnectionTrait,
    query: &SelectStatement,
) -> Result<Option<NamedRef>, StoreError> {
    let row = db
        .query_one_raw(db.get_database_backend().build(query))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(NamedRef {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
    }))
}

fn fairest(company_id: Uuid) -> SelectStatement {
    let free = || Expr::col(user::Column::LeadCap).sub(Expr::col(user::Column::LeadsHeld));
    Query::select()
        .columns([user::Column::Id, user::Column::Name])
        .from(user::Entity)
        .and_where(Expr::col(user::Column::CompanyId).eq(company_id))
        .and_where(Expr::col(user::Column::Banned).eq(false))
        .and_where(free().gt(0))
        .order_by_expr(free(), Order::Desc)
        .order_by_with_nulls(
            user::Column::LastAssignedAt,
            Order::Asc,
            NullOrdering::First,
        )
        .order_by(user::Column::Id, Order::Desc)
        .limit(1)
        .take()
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
