//! What clients read, and the query ports that read it. `persistence` implements every port
//! on its store, each query filtered by the company id it is given first; the api's handlers
//! call these traits, so they never name the storage they run on.
//!
//! A query reads outside any transaction and takes no lock: it shows what was committed, and
//! no rule is decided on it (the use cases read what they decide on through [`ports`]).
//!
//! [`ports`]: crate::ports
// As in `ports`: the handlers run on actix's single-threaded workers, so these futures need
// not be `Send`; the scheduler, whose futures are spawned, calls them on the concrete store,
// whose futures are.
#![allow(async_fn_in_trait)]

mod actor;
mod audit;
mod company;
mod groups;
mod leads;
mod roles;
mod sessions;
mod users;
mod webhooks;

use uuid::Uuid;

pub use actor::{ActorQueries, ActorRecord};
pub use audit::{AuditEventView, AuditFilter, AuditQueries};
pub use company::{CompanyQueries, CompanyRecord, SchedulerQueries, SubscriptionView};
pub use groups::{GroupQueries, GroupView};
pub use leads::{LeadFilter, LeadLoad, LeadQueries, LeadView};
pub use roles::{RoleQueries, RoleView};
pub use sessions::{SessionQueries, SessionView};
pub use users::{UserFilter, UserQueries, UserSort, UserView};
pub use webhooks::{DeliveryView, WebhookQueries, WebhookView};

/// `{id, name}` of a record another one refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

/// A page of a listing: 1-based `page`, `per_page` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Rows to skip. Saturates at `i64::MAX`: SQL's OFFSET is signed, and a page that far out
    /// is past the end anyway (an empty page, not an error).
    pub fn offset(&self) -> u64 {
        let rows = self.page.saturating_sub(1).saturating_mul(self.per_page);
        std::cmp::min(rows, i64::MAX as u64)
    }
}

/// One page of rows and the total across all pages.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::PageRequest;

    #[test]
    fn the_offset_skips_the_pages_before_and_saturates() {
        let page = |page, per_page| PageRequest { page, per_page }.offset();
        assert_eq!(page(1, 50), 0);
        assert_eq!(page(3, 50), 100);
        assert_eq!(page(u64::MAX, 200), i64::MAX as u64);
    }
}
