//! [`Housekeeping`]: deleting sessions long ended, across companies, and the guards of
//! identities whose failures are forgotten, and idempotency keys past their day.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::ports::Housekeeping;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{idempotency_key, session, sign_in_guard};
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

    /// One bounded DELETE: the key is the whole row, so no id list is needed.
    async fn purge_identity_guards(
        &self,
        forgotten_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        use sign_in_guard::Column;
        let doomed = Query::select()
            .columns([Column::CompanyCode, Column::Email])
            .from(sign_in_guard::Entity)
            .and_where(Expr::col(Column::LastFailedLoginAt).lt(forgotten_before))
            .limit(limit)
            .take();
        let delete = Query::delete()
            .from_table(sign_in_guard::Entity)
            .and_where(
                Expr::tuple([Expr::col(Column::CompanyCode), Expr::col(Column::Email)])
                    .in_subquery(doomed),
            )
            .take();
        let backend = self.db.get_database_backend();
        let deleted = self
            .db
            .execute_raw(backend.build(&delete))
            .await
            .map_err(StoreError::from)?;
        Ok(deleted.rows_affected())
    }

    /// One bounded DELETE, by key, as for the guards.
    async fn purge_idempotency_keys(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        use idempotency_key::Column;
        let doomed = Query::select()
            .columns([Column::CompanyId, Column::Key])
            .from(idempotency_key::Entity)
            .and_where(Expr::col(Column::CreatedAt).lt(older_than))
            .limit(limit)
            .take();
        let delete = Query::delete()
            .from_table(idempotency_key::Entity)
            .and_where(
                Expr::tuple([Expr::col(Column::CompanyId), Expr::col(Column::Key)])
                    .in_subquery(doomed),
            )
            .take();
        let backend = self.db.get_database_backend();
        let deleted = self
            .db
            .execute_raw(backend.build(&delete))
            .await
            .map_err(StoreError::from)?;
        Ok(deleted.rows_affected())
    }
}
