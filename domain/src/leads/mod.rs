//! Leads and how they are handed out: every path that can give a user a lead (intake, a
//! change, distribution, the daily top-up) runs in one transaction holding the company lock
//! and asks the rules (`may_receive_lead`, `pick_assignee`, `plan_distribution`) before writing,
//! so no user ever holds more than their cap, even with several replicas.

mod change;
mod distribute;
mod intake;
mod top_up;

use uuid::Uuid;

pub use change::{delete_lead, update_lead};
pub use distribute::{DAILY_TOP_UP, Distribution, daily_top_up, distribute};
pub use intake::{create_lead, create_leads};
pub use top_up::{DueTopUp, TopUpPass, TopUpRun, next_top_up, run_due_top_ups, top_up_day};

use crate::{Email, LeadStatus, Phone, Version};

/// A lead to create. `assignee_id` names a user; without one, auto-assignment may pick.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub source: Option<String>,
    pub status: LeadStatus,
    pub assignee_id: Option<Uuid>,
}

/// A partial change; `assignee_id: Some(None)` unassigns.
#[derive(Debug, Clone, Default)]
pub struct LeadPatch {
    pub name: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub email: Option<Option<Email>>,
    pub source: Option<Option<String>>,
    pub status: Option<LeadStatus>,
    pub assignee_id: Option<Option<Uuid>>,
}

/// What a change reads of a stored lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: Uuid,
    pub status: LeadStatus,
    pub assignee_id: Option<Uuid>,
    /// Raised by the store with every write of the lead, its assignment included.
    pub version: Version,
}
