//! The once-a-day job records: claimed and finished through the [`Jobs`] port, inside the
//! job's transaction, and read by the scheduler to skip a company whose day already ran; and
//! when the scheduler looks at each company next ([`TopUpSchedule`]).

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::leads::DAILY_TOP_UP;
use domain::ports::{Jobs, TopUpSchedule};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, SqlErr};
use uuid::Uuid;

use crate::entity::{company, job_run};
use crate::tx::SeaTx;
use crate::{Store, StoreError, Tenant};

/// The due instant that is always past: the next pass looks at the company, whatever the
/// clock says (a new company, changed settings).
pub(crate) const LOOK_AT_ONCE: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// Has the next pass look at the company's top-up (its settings changed).
pub(crate) async fn look_at_top_up_at_once(
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<(), StoreError> {
    company::Entity::update_many()
        .col_expr(company::Column::TopUpDueAt, Expr::value(LOOK_AT_ONCE))
        .filter(company::Column::Id.eq(company_id))
        .exec(db)
        .await?;
    Ok(())
}

impl TopUpSchedule for Store {
    /// One compare-and-set: a change of the settings since the pass read `seen` wins.
    async fn reschedule_top_up(
        &self,
        company_id: Uuid,
        seen: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> Result<(), DomainError> {
        company::Entity::update_many()
            .col_expr(company::Column::TopUpDueAt, Expr::value(next))
            .filter(company::Column::Id.eq(company_id))
            .filter(company::Column::TopUpDueAt.eq(seen))
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl Tenant<'_> {
    /// Whether the daily top-up already ran for the company's local `day`.
    pub async fn top_up_ran(&self, day: &str) -> Result<bool, StoreError> {
        let found =
            job_run::Entity::find_by_id((self.company_id, DAILY_TOP_UP.to_owned(), day.to_owned()))
                .one(self.db)
                .await?;
        Ok(found.is_some())
    }
}

impl Jobs for SeaTx {
    /// The record's key is (company, job, day): a second replica's insert waits on the first
    /// one's transaction, then fails as a duplicate.
    async fn claim_job_run(
        &mut self,
        job: &str,
        day: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let record = job_run::ActiveModel {
            company_id: Set(self.company_id),
            job: Set(job.to_owned()),
            day: Set(day.to_owned()),
            ran_at: Set(now),
            assigned: Set(0),
        };
        match job_run::Entity::insert(record).exec(&self.txn).await {
            Ok(_) => Ok(true),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Ok(false)
            }
            Err(err) => Err(StoreError::from(err).into()),
        }
    }

    async fn finish_job_run(
        &mut self,
        job: &str,
        day: &str,
        assigned: u64,
    ) -> Result<(), DomainError> {
        job_run::Entity::update(job_run::ActiveModel {
            company_id: Set(self.company_id),
            job: Set(job.to_owned()),
            day: Set(day.to_owned()),
            assigned: Set(i64::try_from(assigned).unwrap_or(i64::MAX)),
            ..Default::default()
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }
}
