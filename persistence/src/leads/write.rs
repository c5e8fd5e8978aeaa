//! Writing leads: a batch insert, one lead's change, a deletion.

use chrono::{DateTime, Utc};
use domain::leads::{LeadPatch, LeadRecord, NewLead};
use domain::{Email, LeadStatus, Phone, Version};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::held::{AssigneeChanges, Holder};
use super::next_version;
use crate::StoreError;
use crate::entity::lead;
use crate::write::lock_company;

/// Rows per multi-row INSERT on PostgreSQL: 13,000 bind parameters, well under its limit.
const INSERT_CHUNK: usize = 1_000;

/// Rows per multi-row INSERT on SQLite. Each connection keeps every statement it ran compiled
/// (sqlx's statement cache), and SQLite's compiled form grows with the rows: with 1,000-row
/// statements the server stayed ~10 MiB larger after a few batches (BENCHMARKS.md, "Memory");
/// a batch of 10,000 takes ~15 % longer in 100-row statements (110 ms instead of 93 ms).
const SQLITE_INSERT_CHUNK: usize = 100;

pub(super) async fn insert_leads(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    leads: Vec<NewLead>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut ids = Vec::with_capacity(leads.len());
    let mut assignees = AssigneeChanges::default();
    let rows: Vec<lead::ActiveModel> = leads
        .into_iter()
        .map(|new| {
            let id = Uuid::now_v7();
            ids.push(id);
            assignees.give(Holder {
                assignee_id: new.assignee_id,
                open: new.status.is_open(),
            });
            lead::ActiveModel {
                company_id: Set(company_id),
                id: Set(id),
                name: Set(new.name),
                phone: Set(new.phone.map(Phone::into_inner)),
                email: Set(new.email.map(Email::into_inner)),
                source: Set(new.source),
                status: Set(new.status.as_str().to_owned()),
                open: Set(new.status.is_open()),
                assignee_id: Set(new.assignee_id),
                assigned_at: Set(new.assignee_id.map(|_| now)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
        })
        .collect();
    let chunk_rows = match txn.get_database_backend() {
        DbBackend::Sqlite => SQLITE_INSERT_CHUNK,
        _ => INSERT_CHUNK,
    };
    for chunk in rows.chunks(chunk_rows) {
        lead::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    assignees.apply(txn, company_id, now).await?;
    Ok(ids)
}

/// Takes the company lock, then loads the lead.
pub(super) async fn lock_lead(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    id: Uuid,
) -> Result<Option<LeadRecord>, StoreError> {
    lock_company(txn, company_id).await?;
    let Some(row) = lead::Entity::find_by_id((company_id, id)).one(txn).await? else {
        return Ok(None);
    };
    let status = row
        .status
        .parse::<LeadStatus>()
        .map_err(|_| DbErr::Custom("a stored status does not parse".into()))?;
    Ok(Some(LeadRecord {
        id,
        status,
        assignee_id: row.assignee_id,
        version: Version(row.version),
    }))
}

pub(super) async fn save_lead(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    current: &LeadRecord,
    change: LeadPatch,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let before = Holder::of(current);
    let change_hands = change.assignee_id.is_some();
    let after = Holder {
        assignee_id: change.assignee_id.unwrap_or(current.assignee_id),
        open: change.status.map_or(before.open, LeadStatus::is_open),
    };
    let mut row = lead::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = change.name {
        row.name = Set(name);
    }
    if let Some(phone) = change.phone {
        row.phone = Set(phone.map(Phone::into_inner));
    }
    if let Some(email) = change.email {
        row.email = Set(email.map(Email::into_inner));
    }
    if let Some(source) = change.source {
        row.source = Set(source);
    }
    if let Some(status) = change.status {
        row.status = Set(status.as_str().to_owned());
        row.open = Set(status.is_open());
    }
    if let Some(assignee) = change.assignee_id {
        row.assignee_id = Set(assignee);
        row.assigned_at = Set(assignee.map(|_| now));
    }
    lead::Entity::update_many()
        .set(row)
        .col_expr(lead::Column::Version, next_version())
        .filter(lead::Column::CompanyId.eq(company_id))
        .filter(lead::Column::Id.eq(current.id))
        .exec(txn)
        .await?;
    let mut assignees = AssigneeChanges::default();
    assignees.release(before);
    if change_hands {
        assignees.give(after);
    } else {
        assignees.hold(after);
    }
    assignees.apply(txn, company_id, now).await
}

/// Whether there was such a lead to delete.
pub(super) async fn delete_lead(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    current: &LeadRecord,
) -> Result<bool, StoreError> {
    let deleted = lead::Entity::delete_by_id((company_id, current.id))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    let mut assignees = AssigneeChanges::default();
    assignees.release(Holder::of(current));
    assignees.apply(txn, company_id, Utc::now()).await?;
    Ok(true)
}
