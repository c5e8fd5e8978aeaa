//! [`IdempotencyKeys`]: each call is one autocommitted statement (or two), outside the
//! request's own transaction; the primary key (company, key) is what lets one request only
//! claim a key, on every replica.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::idempotency::{
    Claim, Decision, IdempotencyKey, KeyRecord, StoredAnswer, abandoned_before, decide,
};
use domain::ports::IdempotencyKeys;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::idempotency_key::{self, Column};
use crate::{Store, StoreError};

/// A claim that lost the insert reads the row; if a release deleted it meanwhile, the insert
/// is tried again, this many times in all before answering that the key is busy.
const CLAIM_ATTEMPTS: usize = 3;

impl IdempotencyKeys for Store {
    async fn claim(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, DomainError> {
        let backend = self.db.get_database_backend();
        for _ in 0..CLAIM_ATTEMPTS {
            let insert = Query::insert()
                .into_table(idempotency_key::Entity)
                .columns([
                    Column::CompanyId,
                    Column::Key,
                    Column::RequestHash,
                    Column::CreatedAt,
                ])
                .values_panic([
                    company_id.into(),
                    key.as_str().into(),
                    request_hash.into(),
                    now.into(),
                ])
                .on_conflict(
                    OnConflict::columns([Column::CompanyId, Column::Key])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            let inserted = self
                .db
                .execute_raw(backend.build(&insert))
                .await
                .map_err(StoreError::from)?;
            if inserted.rows_affected() == 1 {
                return Ok(Claim::Claimed);
            }
            let Some(row) = idempotency_key::Entity::find_by_id((company_id, key.as_str().into()))
                .one(&self.db)
                .await
                .map_err(StoreError::from)?
            else {
                continue;
            };
            return Ok(match decide(&record(row), request_hash, now) {
                Decision::Replay(answer) => Claim::Replay(answer),
                Decision::Running => Claim::Running,
                Decision::Reused => Claim::Reused,
                Decision::TakeOver => self.take_over(company_id, key, now).await?,
            });
        }
        Ok(Claim::Running)
    }

    async fn complete(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        answer: &StoredAnswer,
    ) -> Result<(), DomainError> {
        idempotency_key::Entity::update_many()
            .col_expr(Column::Status, Expr::value(i32::from(answer.status)))
            .col_expr(Column::Body, Expr::value(answer.body.clone()))
            .col_expr(
                Column::ContentType,
                Expr::value(answer.content_type.clone()),
            )
            .col_expr(Column::Location, Expr::value(answer.location.clone()))
            .filter(Column::CompanyId.eq(company_id))
            .filter(Column::Key.eq(key.as_str()))
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Deletes the claim only while it has no answer: an answer once stored stays.
    async fn release(&self, company_id: Uuid, key: &IdempotencyKey) -> Result<(), DomainError> {
        idempotency_key::Entity::delete_many()
            .filter(Column::CompanyId.eq(company_id))
            .filter(Column::Key.eq(key.as_str()))
            .filter(Column::Status.is_null())
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl Store {
    /// Restarts an abandoned claim from `now`. The update re-checks that the claim is still
    /// abandoned, so of several requests taking it over at once only one does.
    async fn take_over(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> Result<Claim, DomainError> {
        let taken = idempotency_key::Entity::update_many()
            .col_expr(Column::CreatedAt, Expr::value(now))
            .filter(Column::CompanyId.eq(company_id))
            .filter(Column::Key.eq(key.as_str()))
            .filter(Column::Status.is_null())
            .filter(Column::CreatedAt.lt(abandoned_before(now)))
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?;
        Ok(if taken.rows_affected == 1 {
            Claim::Claimed
        } else {
            Claim::Running
        })
    }
}

fn record(row: idempotency_key::Model) -> KeyRecord {
    let answer = row.status.map(|status| StoredAnswer {
        status: u16::try_from(status).unwrap_or(500),
        body: row.body.unwrap_or_default(),
        content_type: row.content_type,
        location: row.location,
    });
    KeyRecord {
        request_hash: row.request_hash,
        answer,
        created_at: row.created_at,
    }
}
