//! The company's subscription: how many seats (users, banned ones included) it may have.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, TransactionTrait};

use crate::entity::subscription;
use crate::lookup::seats_used;
use crate::write::{lock_company, record};
use crate::{StoreError, Tenant};
use domain::{Actor, AuditEntry};

#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub plan: String,
    pub agent_limit: i64,
    pub seats_used: i64,
}

/// Why a new agent limit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitBelowSeats {
    pub seats_used: i64,
}

impl Tenant<'_> {
    pub async fn subscription(&self) -> Result<SubscriptionView, StoreError> {
        let subscription = subscription::Entity::find_by_id(self.company_id)
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(SubscriptionView {
            plan: subscription.plan,
            agent_limit: subscription.agent_limit.into(),
            seats_used: seats_used(self.db, self.company_id).await?,
        })
    }

    /// Sets the agent limit, unless it is below the seats in use (then nothing changes).
    pub async fn set_agent_limit(
        &self,
        actor: &Actor,
        agent_limit: i32,
    ) -> Result<Result<(), LimitBelowSeats>, StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let used = seats_used(&txn, self.company_id).await?;
        if !domain::rules::limit_covers_seats(agent_limit.into(), used) {
            return Ok(Err(LimitBelowSeats { seats_used: used }));
        }
        let current = subscription::Entity::find_by_id(self.company_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current.agent_limit != agent_limit {
            let mut model: subscription::ActiveModel = current.into();
            model.agent_limit = Set(agent_limit);
            model.updated_at = Set(Utc::now());
            model.update(&txn).await?;
            let entry = AuditEntry {
                action: "subscription.updated",
                target: None,
                changes: vec!["agent_limit"],
            };
            record(&txn, self.company_id, actor, entry).await?;
        }
        txn.commit().await?;
        Ok(Ok(()))
    }
}
