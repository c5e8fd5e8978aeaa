//! `domain`'s storage ports over one SeaORM transaction bound to one company. The ports of
//! users, roles, groups and sign-in live with their aggregates (`users/write.rs`,
//! `role_store.rs`, `group_store.rs`, `auth/`); the smaller ones are here.

use std::sync::Arc;

use chrono::Utc;
use domain::ports::{Audit, Commit, SeatCount, Seats, Store};
use domain::{Actor, AuditEntry, DomainError, Version};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

use crate::StoreError;
use crate::entity::subscription;
use crate::lookup::{seats_used, subscription_of};
use crate::write::{lock_company, record};

/// One transaction on one company's data: every port method filters by `company_id`.
/// Dropped without [`Commit::commit`], it rolls back.
pub struct SeaTx {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) company_id: Uuid,
    /// Whether the outbox got an event: its commit then wakes the delivery worker.
    pub(crate) recorded_events: bool,
    events_committed: crate::EventsCommitted,
    /// This process's turn to write (SQLite), held until the transaction ends; declared
    /// after `txn`, so it is let go after the transaction is.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Store for crate::Store {
    type Tx = SeaTx;

    /// On SQLite it waits for this process's turn to write (see `Store::writers`), then
    /// takes the database's write lock at `BEGIN IMMEDIATE`: every
    /// use case's transaction writes, and one that read first would have to upgrade its read
    /// snapshot, which SQLite refuses (SQLITE_BUSY) when another write committed meanwhile.
    async fn begin(&self, company_id: Uuid) -> Result<SeaTx, DomainError> {
        let turn = match &self.writers {
            Some(writers) => Some(Arc::clone(writers).lock_owned().await),
            None => None,
        };
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(StoreError::from)?;
        Ok(SeaTx {
            txn,
            company_id,
            recorded_events: false,
            events_committed: self.events_committed.clone(),
            _turn: turn,
        })
    }
}

impl Commit for SeaTx {
    async fn commit(self) -> Result<(), DomainError> {
        self.txn.commit().await.map_err(StoreError::from)?;
        if self.recorded_events {
            self.events_committed.notify();
        }
        Ok(())
    }
}

impl Seats for SeaTx {
    async fn lock_seats(&mut self) -> Result<SeatCount, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        let subscription = subscription_of(&self.txn, self.company_id).await?;
        Ok(SeatCount {
            used: seats_used(&self.txn, self.company_id).await?,
            limit: subscription.agent_limit.into(),
            version: Version(subscription.version),
        })
    }

    async fn set_agent_limit(&mut self, limit: i64) -> Result<(), DomainError> {
        let limit = i32::try_from(limit).map_err(DomainError::fault)?;
        subscription::Entity::update_many()
            .col_expr(subscription::Column::AgentLimit, Expr::value(limit))
            .col_expr(subscription::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(
                subscription::Column::Version,
                Expr::col(subscription::Column::Version).add(1),
            )
            .filter(subscription::Column::CompanyId.eq(self.company_id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl Audit for SeaTx {
    async fn record(&mut self, actor: &Actor, entry: AuditEntry) -> Result<(), DomainError> {
        Ok(record(&self.txn, self.company_id, actor, entry).await?)
    }
}
