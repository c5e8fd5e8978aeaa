//! The company's subscription: how many seats (users, banned ones included) it may have.

use domain::Version;
use domain::queries::SubscriptionView;

use crate::lookup::{seats_used, subscription_of};
use crate::{StoreError, Tenant};

impl Tenant<'_> {
    pub async fn subscription(&self) -> Result<SubscriptionView, StoreError> {
        let subscription = subscription_of(self.db, self.company_id).await?;
        Ok(SubscriptionView {
            plan: subscription.plan,
            agent_limit: subscription.agent_limit.into(),
            seats_used: seats_used(self.db, self.company_id).await?,
            version: Version(subscription.version),
        })
    }
}
