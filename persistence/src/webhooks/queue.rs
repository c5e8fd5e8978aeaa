//! [`DeliveryQueue`]: the delivery workers' fan-out of recorded events into deliveries, their
//! claim, the frozen bodies and the outcomes. Every call is its own short transaction; the
//! HTTP call happens between them, never inside one.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::ports::DeliveryQueue;
use domain::webhooks::{DueDelivery, Outcome};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryResult,
    TransactionTrait,
};
use uuid::Uuid;

use super::{due_try, enabled_subscriptions, event_type, on_event, on_webhook};
use crate::entity::{webhook, webhook_delivery, webhook_event, webhook_subscription};
use crate::{Store, StoreError};

use webhook_delivery::Column as D;

impl DeliveryQueue for Store {
    async fn fan_out(&self, limit: u64) -> Result<u64, DomainError> {
        let txn = self.db.begin().await.map_err(StoreError::from)?;
        let events = take_unfanned(&txn, limit).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let webhooks = subscribers(&txn, &events).await?;
        let deliveries: Vec<_> = events
            .iter()
            .flat_map(|event| {
                webhooks
                    .iter()
                    .filter(|webhook| webhook.receives(event))
                    .map(|webhook| {
                        due_try(event.company_id, webhook.id, event.id, 1, event.occurred_at)
                    })
            })
            .collect();
        for chunk in deliveries.chunks(INSERT_CHUNK) {
            webhook_delivery::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await
                .map_err(StoreError::from)?;
        }
        txn.commit().await.map_err(StoreError::from)?;
        Ok(events.len() as u64)
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueDelivery>, DomainError> {
        let claimed = self.claim(now, lease_until, limit).await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.load_claimed(&claimed).await?)
    }

    async fn freeze_body(
        &self,
        company_id: Uuid,
        event_id: Uuid,
        body: String,
    ) -> Result<String, DomainError> {
        // One statement: ours, or the body another replica froze first.
        let frozen = webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::Body,
                Expr::col(webhook_event::Column::Body).if_null(body),
            )
            .filter(webhook_event::Column::CompanyId.eq(company_id))
            .filter(webhook_event::Column::Id.eq(event_id))
            .exec_with_returning(&self.db)
            .await
            .map_err(StoreError::from)?;
        let body = frozen.into_iter().next().and_then(|event| event.body);
        Ok(body.ok_or(StoreError::NotFound)?)
    }

    async fn settle(
        &self,
        delivery: &DueDelivery,
        outcome: &Outcome,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), DomainError> {
        let delivered = outcome.delivered();
        let settle = webhook_delivery::Entity::update_many()
            .set(webhook_delivery::ActiveModel {
                claimed_until: Set(None),
                attempted_at: Set(Some(outcome.at)),
                status_code: Set(outcome.status_code.map(i32::from)),
                error: Set(outcome.error.clone()),
                delivered_at: Set(delivered.then_some(outcome.at)),
                next_attempt_at: Set(retry_at),
                ..Default::default()
            })
            .filter(D::CompanyId.eq(delivery.company_id))
            .filter(D::Id.eq(delivery.id))
            .filter(D::AttemptedAt.is_null());
        // Most tries end here: one statement, no transaction around it.
        let Some(due_at) = retry_at else {
            settle.exec(&self.db).await.map_err(StoreError::from)?;
            return Ok(());
        };
        let txn = self.db.begin().await.map_err(StoreError::from)?;
        let settled = settle.exec(&txn).await.map_err(StoreError::from)?;
        // Settled already (this replica's lease ran out and another one sent it again): its
        // retry, if any, is scheduled by whoever settled it first.
        if settled.rows_affected == 1 {
            let attempt = i32::try_from(delivery.attempt + 1).map_err(DomainError::fault)?;
            let retry = due_try(
                delivery.company_id,
                delivery.webhook_id,
                delivery.event_id,
                attempt,
                due_at,
            );
            webhook_delivery::Entity::insert(retry)
                .exec(&txn)
                .await
                .map_err(StoreError::from)?;
        }
        txn.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}

impl Store {
    /// Leases up to `limit` due tries of enabled webhooks, oldest due first, in one statement
    /// (its own transaction): `UPDATE ... WHERE key IN (SELECT ... LIMIT n) RETURNING key`.
    /// On PostgreSQL the subquery takes its rows `FOR UPDATE SKIP LOCKED`, so replicas
    /// claiming at once take different rows, and a row another replica leased meanwhile is
    /// re-checked against the lease and left out. SQLite serializes writes, so the statement
    /// alone is enough there.
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let due = Query::select()
            .column((webhook_delivery::Entity, D::CompanyId))
            .column((webhook_delivery::Entity, D::Id))
            .from(webhook_delivery::Entity)
            .inner_join(webhook::Entity, on_webhook(webhook_delivery::Entity))
            .and_where(Expr::col((webhook_delivery::Entity, D::AttemptedAt)).is_null())
            .and_where(Expr::col((webhook_delivery::Entity, D::DueAt)).lte(now))
            .and_where(
                Expr::col((webhook_delivery::Entity, D::ClaimedUntil))
                    .is_null()
                    .or(Expr::col((webhook_delivery::Entity, D::ClaimedUntil)).lte(now)),
            )
            .and_where(Expr::col((webhook::Entity, webhook::Column::Enabled)).eq(true))
            .order_by((webhook_delivery::Entity, D::DueAt), Order::Asc)
            .limit(limit)
            .lock_with_tables_behavior(
                LockType::Update,
                [webhook_delivery::Entity],
                LockBehavior::SkipLocked,
            )
            .take();
        let claim = Query::update()
            .table(webhook_delivery::Entity)
            .value(D::ClaimedUntil, lease_until)
            .and_where(Expr::tuple([Expr::col(D::CompanyId), Expr::col(D::Id)]).in_subquery(due))
            .returning(Query::returning().columns([D::CompanyId, D::Id]))
            .take();
        let backend = self.db.get_database_backend();
        let rows = self.db.query_all_raw(backend.build(&claim)).await?;
        // By position: SQLite names a RETURNING column after its quoted text.
        rows.iter()
            .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
            .collect()
    }

    /// The claimed tries with their webhook's URL and secret and their event.
    async fn load_claimed(&self, keys: &[(Uuid, Uuid)]) -> Result<Vec<DueDelivery>, StoreError> {
        let d = webhook_delivery::Entity;
        let (w, e) = (webhook::Entity, webhook_event::Entity);
        let query = Query::select()
            .columns([
                (d, D::CompanyId),
                (d, D::Id),
                (d, D::WebhookId),
                (d, D::EventId),
                (d, D::Attempt),
            ])
            .columns([(w, webhook::Column::Url), (w, webhook::Column::Secret)])
            .columns([
                (e, webhook_event::Column::EventType),
                (e, webhook_event::Column::OccurredAt),
                (e, webhook_event::Column::SubjectId),
                (e, webhook_event::Column::Data),
                (e, webhook_event::Column::Body),
            ])
            .from(d)
            .inner_join(w, on_webhook(d))
            .inner_join(e, on_event())
            .and_where(
                Expr::tuple([Expr::col((d, D::CompanyId)), Expr::col((d, D::Id))])
                    .in_tuples(keys.iter().copied()),
            )
            .take();
        let backend = self.db.get_database_backend();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        rows.iter().map(due_delivery).collect()
    }
}

/// Rows per multi-row INSERT of deliveries: well under both databases' bind-parameter limits.
const INSERT_CHUNK: usize = 1_000;

/// An event taken to fan out.
struct Unfanned {
    company_id: Uuid,
    id: Uuid,
    event_type: String,
    occurred_at: DateTime<Utc>,
}

/// An enabled webhook subscribed to an event type of its company.
struct Subscriber {
    company_id: Uuid,
    id: Uuid,
    event_type: String,
    created_at: DateTime<Utc>,
}

impl Subscriber {
    /// A webhook created after an event happened does not get it.
    fn receives(&self, event: &Unfanned) -> bool {
        self.company_id == event.company_id
            && self.event_type == event.event_type
            && self.created_at <= event.occurred_at
    }
}

/// Marks up to `limit` events not fanned out yet, oldest first, as fanned out, and returns
/// them: `UPDATE ... WHERE key IN (SELECT ... LIMIT n) RETURNING ...`, the first statement of
/// the fan-out's transaction. On PostgreSQL the subquery takes its rows `FOR UPDATE SKIP
/// LOCKED`, so replicas fanning out at once take different events; SQLite serializes writes.
async fn take_unfanned(txn: &DatabaseTransaction, limit: u64) -> Result<Vec<Unfanned>, StoreError> {
    use webhook_event::Column as E;
    let unfanned = Query::select()
        .columns([E::CompanyId, E::Id])
        .from(webhook_event::Entity)
        .and_where(Expr::col(E::FannedOut).eq(false))
        .order_by(E::OccurredAt, Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .take();
    let take = Query::update()
        .table(webhook_event::Entity)
        .value(E::FannedOut, true)
        .and_where(Expr::tuple([Expr::col(E::CompanyId), Expr::col(E::Id)]).in_subquery(unfanned))
        .returning(Query::returning().columns([E::CompanyId, E::Id, E::EventType, E::OccurredAt]))
        .take();
    let backend = txn.get_database_backend();
    let rows = txn.query_all_raw(backend.build(&take)).await?;
    // By position: SQLite names a RETURNING column after its quoted text.
    rows.iter()
        .map(|row| {
            Ok(Unfanned {
                company_id: row.try_get_by_index(0)?,
                id: row.try_get_by_index(1)?,
                event_type: row.try_get_by_index(2)?,
                occurred_at: row.try_get_by_index(3)?,
            })
        })
        .collect()
}

/// The enabled webhooks subscribed to the events' types, in the events' companies.
async fn subscribers(
    txn: &DatabaseTransaction,
    events: &[Unfanned],
) -> Result<Vec<Subscriber>, StoreError> {
    use webhook_subscription::Column as S;
    let s = webhook_subscription::Entity;
    let wanted: BTreeSet<(Uuid, &str)> = events
        .iter()
        .map(|event| (event.company_id, event.event_type.as_str()))
        .collect();
    let query = enabled_subscriptions()
        .columns([(s, S::CompanyId), (s, S::EventType)])
        .column((webhook::Entity, webhook::Column::CreatedAt))
        .and_where(
            Expr::tuple([Expr::col((s, S::CompanyId)), Expr::col((s, S::EventType))]).in_tuples(
                wanted
                    .into_iter()
                    .map(|(company_id, event_type)| (company_id, event_type.to_owned())),
            ),
        )
        .take();
    let backend = txn.get_database_backend();
    let rows = txn.query_all_raw(backend.build(&query)).await?;
    rows.iter()
        .map(|row| {
            Ok(Subscriber {
                company_id: row.try_get("", "company_id")?,
                id: row.try_get("", "webhook_id")?,
                event_type: row.try_get("", "event_type")?,
                created_at: row.try_get("", "created_at")?,
            })
        })
        .collect()
}

fn due_delivery(row: &QueryResult) -> Result<DueDelivery, StoreError> {
    let attempt: i32 = row.try_get("", "attempt")?;
    let kind: String = row.try_get("", "event_type")?;
    Ok(DueDelivery {
        company_id: row.try_get("", "company_id")?,
        id: row.try_get("", "id")?,
        webhook_id: row.try_get("", "webhook_id")?,
        event_id: row.try_get("", "event_id")?,
        attempt: u32::try_from(attempt).unwrap_or(1),
        url: row.try_get("", "url")?,
        secret: row.try_get("", "secret")?,
        event: event_type(&kind)?,
        occurred_at: row.try_get("", "occurred_at")?,
        subject_id: row.try_get("", "subject_id")?,
        fixed_data: row.try_get("", "data")?,
        body: row.try_get("", "body")?,
    })
}
