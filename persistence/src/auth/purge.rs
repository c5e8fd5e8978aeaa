//! [`Housekeeping`]: deleting sessions long ended, across companies.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::ports::Housekeeping;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::session;
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
}
