//! Calliyo's storage: SeaORM entities and the repositories behind the API, on SQLite (the
//! embedded default) and PostgreSQL (production), with the same code for both.
//!
//! Everything a tenant owns is reached through [`Store::tenant`], a handle bound to one
//! company id: its queries filter by that id, so a request cannot read another company's rows
//! by forgetting a `WHERE`. `domain`'s ports are implemented on top of it: its query ports
//! (`reads.rs`) open that handle from the company id each call is given, and its write ports
//! run in a transaction bound to one company the same way (`tx.rs`).

mod actor;
mod admin_restore;
mod api_key_store;
mod audit_store;
mod auth;
mod company;
mod connect;
pub mod entity;
mod error;
mod group_store;
mod idempotency;
mod jobs;
mod leads;
mod lookup;
mod query;
mod reads;
mod retry;
mod role_store;
mod settings_store;
mod subscription_store;
mod tx;
mod users;
mod webhooks;
mod write;

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use connect::{ConnectOptions, connect, migrate};
pub(crate) use domain::UniqueField;
pub use error::StoreError;

/// The database, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    events_committed: EventsCommitted,
    /// SQLite only: the use cases' transactions of this process take turns here before
    /// `BEGIN IMMEDIATE`. SQLite admits one writer at a time anyway, and a writer that finds
    /// the database locked polls in growing sleeps (its busy handler), which put 100 ms and
    /// more on the slowest requests; a queue hands the lock on at once.
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// What to call after a commit that recorded webhook events (the delivery worker's wake-up),
/// so deliveries start at once rather than at the worker's next poll.
#[derive(Clone, Default)]
pub struct EventsCommitted(Option<Arc<dyn Fn() + Send + Sync>>);

impl EventsCommitted {
    pub fn new(notify: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(notify)))
    }

    fn notify(&self) {
        if let Some(notify) = &self.0 {
            notify();
        }
    }
}

impl std::fmt::Debug for EventsCommitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "EventsCommitted(set)"
        } else {
            "EventsCommitted(none)"
        })
    }
}

/// A handle on one company's data: every query it runs is scoped to `company_id`.
#[derive(Clone, Copy, Debug)]
pub struct Tenant<'a> {
    db: &'a DatabaseConnection,
    company_id: Uuid,
}

impl Store {
    pub fn new(db: DatabaseConnection) -> Self {
        let sqlite = db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
        Self {
            db,
            events_committed: EventsCommitted::default(),
            writers: sqlite.then(Arc::default),
        }
    }

    /// Calls `events_committed` after every commit that recorded webhook events.
    pub fn on_events_committed(&mut self, events_committed: EventsCommitted) {
        self.events_committed = events_committed;
    }

    pub fn tenant(&self, company_id: Uuid) -> Tenant<'_> {
        Tenant {
            db: &self.db,
            company_id,
        }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Runs one trivial query: what `/readyz` reports.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// `(open, idle)` connections of the pool, for `/metrics`.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DatabaseBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.db.close().await?)
    }
}

impl Tenant<'_> {
    pub fn company_id(&self) -> Uuid {
        self.company_id
    }
}
