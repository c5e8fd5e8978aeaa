use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::leads::DueTopUp;
use crate::settings::Settings;
use crate::{DomainError, Version};

/// A company as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRecord {
    pub id: Uuid,
    pub name: String,
    pub code: String,
}

/// The company's subscription: how many seats (users, banned ones included) it may have.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub plan: String,
    pub agent_limit: i64,
    pub seats_used: i64,
    /// The subscription's version (its `ETag`): raised by every change of its plan or agent
    /// limit; not by `seats_used`.
    pub version: Version,
}

pub trait CompanyQueries {
    async fn subscription(&self, company_id: Uuid) -> Result<SubscriptionView, DomainError>;
    /// The company's settings (the defaults until first changed).
    async fn settings(&self, company_id: Uuid) -> Result<Settings, DomainError>;
}

/// What the daily top-up's scheduler looks at each minute, across companies.
pub trait SchedulerQueries {
    /// The companies due for a look at `now` (their top-up instant has come), with their
    /// settings.
    async fn top_ups_due(&self, now: DateTime<Utc>) -> Result<Vec<DueTopUp>, DomainError>;
    /// Whether the daily top-up already ran for the company's local `day` (`YYYY-MM-DD`).
    async fn top_up_ran(&self, company_id: Uuid, day: &str) -> Result<bool, DomainError>;
}
