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
mod api_keys;
mod audit;
mod company;
mod groups;
mod leads;
mod roles;
mod sessions;
mod users;
mod webhooks;

use uuid::Uuid;

pub use actor::{ActorQueries, ActorRecord, MeRecord};
pub use api_keys::{ApiKeyQueries, KeyActorRecord};
pub use audit::{AuditActor, AuditEventView, AuditFilter, AuditQueries};
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

/// A window of a listing: `per_page` rows after skipping `offset()`. The JSON API asks by
/// 1-based page number ([`PageRequest::page`]); SCIM by a 1-based start index, which need
/// not fall on a page boundary ([`PageRequest::window`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    skip: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Page `page` (1-based) of `per_page` rows.
    pub fn page(page: u64, per_page: u64) -> Self {
        Self {
            skip: page.saturating_sub(1).saturating_mul(per_page),
            per_page,
        }
    }

    /// `limit` rows after skipping `skip`.
    pub fn window(skip: u64, limit: u64) -> Self {
        Self {
            skip,
            per_page: limit,
        }
    }

    /// Rows to skip. Saturates at `i64::MAX`: SQL's OFFSET is signed, and a page that far out
    /// is past the end anyway (an empty page, not an error).
    pub fn offset(&self) -> u64 {
        std::cmp::min(self.skip, i64::MAX as u64)
    }

    /// The 1-based number of the page this window starts on.
    pub fn number(&self) -> u64 {
        self.skip
            .checked_div(self.per_page)
            .unwrap_or(0)
            .saturating_add(1)
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
        let page = |page, per_page| PageRequest::page(page, per_page).offset();
        assert_eq!(page(1, 50), 0);
        assert_eq!(page(3, 50), 100);
        assert_eq!(page(u64::MAX, 200), i64::MAX as u64);
    }

    #[test]
    fn a_page_knows_its_number_and_a_window_starts_anywhere() {
        assert_eq!(PageRequest::page(3, 50).number(), 3);
        assert_eq!(PageRequest::window(7, 10).offset(), 7);
        assert_eq!(PageRequest::window(7, 0).number(), 1);
    }
}
