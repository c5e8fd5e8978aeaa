//! What every change shares: the company lock and the audit record.

use chrono::Utc;
use domain::{Actor, AuditEntry};
use sea_orm::sea_query::{Expr, ExprTrait, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{audit_event, company};

/// Locks the company's row for the rest of the transaction. Every change whose rule reads
/// company-wide state (seats, admins, references) takes this lock FIRST, so concurrent
/// changes of one company, on any replica, run one after the other.
///
/// PostgreSQL: `SELECT ... FOR NO KEY UPDATE`, which does not conflict with the key-share
/// lock that inserting a row referencing the company takes: a lead intake, which locks only
/// its assignee, never waits for a company lock it could deadlock with. SQLite has no row
/// locks; a no-op UPDATE takes the database's write lock at once, before any read, so the
/// transaction never has to upgrade a read snapshot (which SQLite refuses with SQLITE_BUSY
/// instead of waiting).
pub(crate) async fn lock_company(
    txn: &DatabaseTransaction,
    company_id: Uuid,
) -> Result<(), StoreError> {
    let backend = txn.get_database_backend();
    let statement = if backend == DatabaseBackend::Sqlite {
        backend.build(
            Query::update()
                .table(company::Entity)
                // A column no foreign key refers to: `SET id = id` would make SQLite check
                // every row referencing the company (all its leads, users, audit events...).
                .value(company::Column::Name, Expr::col(company::Column::Name))
                .and_where(Expr::col(company::Column::Id).eq(company_id)),
        )
    } else {
        backend.build(
            Query::select()
                .column(company::Column::Id)
                .from(company::Entity)
                .and_where(Expr::col(company::Column::Id).eq(company_id))
                .lock(LockType::NoKeyUpdate),
        )
    };
    txn.execute_raw(statement).await?;
    Ok(())
}

pub(crate) async fn record(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
    actor: &Actor,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    insert_event(txn, company_id, Some(actor), entry).await
}

/// An event with no acting user: what the command line does on the operator's behalf.
pub(crate) async fn record_by_operator(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    insert_event(txn, company_id, None, entry).await
}

async fn insert_event(
    txn: &impl ConnectionTrait,
    company_id: Uuid,
    actor: Option<&Actor>,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    let changes =
        serde_json::to_string(&entry.changes).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    audit_event::Entity::insert(audit_event::ActiveModel {
        company_id: Set(company_id),
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        action: Set(entry.action.to_owned()),
        actor_id: Set(actor.map(|a| a.id)),
        actor_name: Set(actor.map(|a| a.name.clone())),
        actor_type: Set(actor.map(|a| a.kind.as_str().to_owned())),
        target_type: Set(entry.target.as_ref().map(|t| t.kind.to_owned())),
        target_id: Set(entry.target.as_ref().map(|t| t.id)),
        target_name: Set(entry.target.map(|t| t.name)),
        changes: Set(changes),
        ip: Set(actor.and_then(|a| a.ip.clone())),
    })
    .exec(txn)
    .await?;
    Ok(())
}
