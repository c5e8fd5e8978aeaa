//! [`Housekeeping`]: deleting sessions long ended, across companies, and the guards of
//! identities whose failures are forgotten, idempotency keys past their day, and webhook
//! events past their month.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::ports::Housekeeping;
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{idempotency_key, session, sign_in_guard, webhook_event};
use crate::{Store, StoreError};

/// Ids per DELETE: well under SQLite's bound on statement parameters.
const DELETE_CHUNK: usize = 500;

impl Housekeeping for Store {
    /// Picks the ended sessions first (bounded by `limit`), then deletes them by id in chunks,
    /// re-checking that each has ended: the same statements on SQLite and PostgreSQL.
    async fn purge_sessions(
        &self,
        ended_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        let ended = Condition::any()
            .add(session::Column::RevokedAt.lt(ended_before))
            .add(session::Column::ExpiresAt.lt(ended_before));
        let doomed: Vec<Uuid> = session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .filter(ended.clone())
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(StoreError::from)?;
        let mut purged = 0;
        for chunk in doomed.chunks(DELETE_CHUNK) {
            let deleted = session::Entity::delete_many()
                .filter(session::Column::Id.is_in(chunk.iter().copied()))
                .filter(ended.clone())
                .exec(&self.db)
                .await
                .map_err(StoreError::from)?;
            purged += deleted.rows_affected;
        }
        Ok(purged)
    }

    async fn purge_identity_guards(
        &self,
        forgotten_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        use sign_in_guard::Column;
        let key = [Column::CompanyCode, Column::Email];
        let before = (Column::LastFailedLoginAt, forgotten_before);
        Ok(self
            .delete_before(sign_in_guard::Entity, key, before, limit)
            .await?)
    }

    async fn purge_idempotency_keys(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        use idempotency_key::Column;
        let key = [Column::CompanyId, Column::Key];
        let before = (Column::CreatedAt, older_than);
        Ok(self
            .delete_before(idempotency_key::Entity, key, before, limit)
            .await?)
    }

    /// Their deliveries go with them (foreign keys, ON DELETE CASCADE).
    async fn purge_webhook_events(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        use webhook_event::Column;
        let key = [Column::CompanyId, Column::Id];
        let before = (Column::OccurredAt, older_than);
        Ok(self
            .delete_before(webhook_event::Entity, key, before, limit)
            .await?)
    }
}

impl Store {
    /// Deletes up to `limit` rows of `table` whose `column` is before `cutoff`, in one bounded
    /// DELETE: the rows are picked by their two-column key in a subquery, so no id list goes
    /// back and forth (the same statement on SQLite and PostgreSQL).
    async fn delete_before<T, C>(
        &self,
        table: T,
        key: [C; 2],
        (column, cutoff): (C, DateTime<Utc>),
        limit: u64,
    ) -> Result<u64, StoreError>
    where
        T: IntoIden + Copy,
        C: IntoIden + Copy,
    {
        let doomed = Query::select()
            .columns(key)
            .from(table)
            .and_where(Expr::col(column).lt(cutoff))
            .limit(limit)
            .take();
        let delete = Query::delete()
            .from_table(table)
            .and_where(Expr::tuple(key.map(Expr::col)).in_subquery(doomed))
            .take();
        let backend = self.db.get_database_backend();
        let deleted = self.db.execute_raw(backend.build(&delete)).await?;
        Ok(deleted.rows_affected())
    }
}
