//! Leads: what clients read (`read.rs`), the users as the fairness rule sees them
//! (`candidates.rs`), and the [`Leads`] port the use cases write through (`write.rs`,
//! `distribute.rs`).

mod candidates;
mod distribute;
mod held;
mod read;
mod write;

use chrono::{DateTime, Utc};
use domain::leads::{LeadPatch, LeadRecord, NewLead};
use domain::ports::Leads;
use domain::queries::NamedRef;
use domain::{Candidate, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use uuid::Uuid;

use crate::entity::lead;
use crate::tx::SeaTx;
use crate::write::lock_company;

/// A lead's version after a write of it (its fields or its assignment).
pub(crate) fn next_version() -> SimpleExpr {
    Expr::col(lead::Column::Version).add(1)
}

impl Leads for SeaTx {
    async fn lock_candidates(&mut self) -> Result<Vec<Candidate<Uuid>>, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        let users = candidates::lock_candidates(&self.txn, self.company_id).await?;
        Ok(users.into_iter().map(|(candidate, _)| candidate).collect())
    }

    async fn lock_candidate(
        &mut self,
        user_id: Uuid,
    ) -> Result<Option<(Candidate<Uuid>, String)>, DomainError> {
        Ok(candidates::lock_candidate(&self.txn, self.company_id, user_id).await?)
    }

    async fn lock_fairest(&mut self) -> Result<Option<NamedRef>, DomainError> {
        Ok(candidates::lock_fairest(&self.txn, self.company_id).await?)
    }

    async fn insert_leads(
        &mut self,
        leads: Vec<NewLead>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, DomainError> {
        Ok(write::insert_leads(&self.txn, self.company_id, leads, now).await?)
    }

    async fn lock_lead(&mut self, id: Uuid) -> Result<Option<LeadRecord>, DomainError> {
        Ok(write::lock_lead(&self.txn, self.company_id, id).await?)
    }

    async fn save_lead(
        &mut self,
        current: &LeadRecord,
        change: LeadPatch,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        Ok(write::save_lead(&self.txn, self.company_id, current, change, now).await?)
    }

    async fn delete_lead(&mut self, current: &LeadRecord) -> Result<bool, DomainError> {
        Ok(write::delete_lead(&self.txn, self.company_id, current).await?)
    }

    async fn unassigned_pool(&mut self, limit: usize) -> Result<Vec<Uuid>, DomainError> {
        Ok(distribute::unassigned_pool(&self.txn, self.company_id, limit).await?)
    }

    async fn assign_leads(
        &mut self,
        per_user: &[(Uuid, Vec<Uuid>)],
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        Ok(distribute::assign(&self.txn, self.company_id, per_user, now).await?)
    }
}
