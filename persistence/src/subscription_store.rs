//! The company's subscription: how many seats (users, banned ones included) it may have.

use domain::queries::SubscriptionView;
use sea_orm::EntityTrait;

use crate::entity::subscription;
use crate::lookup::seats_used;
use crate::{StoreError, Tenant};

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
}
