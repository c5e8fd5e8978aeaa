//! The once-a-day job records: claimed and finished through the [`Jobs`] port, inside the
//! job's transaction, and read by the scheduler to skip a company whose day already ran.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::leads::DAILY_TOP_UP;
use domain::ports::Jobs;
use sea_orm::{ActiveValue::Set, EntityTrait, SqlErr};

use crate::entity::job_run;
use crate::tx::SeaTx;
use crate::{StoreError, Tenant};

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
