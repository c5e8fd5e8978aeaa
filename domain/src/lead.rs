//! Leads, lead caps and how leads are handed out.
//!
//! A user *holds* the open leads assigned to them, and never more than their `lead_cap`,
//! whatever the path: manual assignment, auto-assignment of a new lead, the distribution of
//! the unassigned pool, or reopening a closed lead. Banned users keep what they hold and get
//! nothing new. Lowering a cap keeps what is held.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// Where a lead stands. `new`, `contacted` and `qualified` are open; `won` and `lost` closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Won,
    Lost,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
        }
    }

    /// Open leads count against their assignee's cap.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified
        )
    }
}

impl FromStr for LeadStatus {
    type Err = crate::Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                crate::Invalid::new("invalid", "one of new, contacted, qualified, won, lost")
            })
    }
}

/// Why a user cannot take one more open lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LeadRefusal {
    #[error("the assignee is banned")]
    AssigneeBanned,
    #[error("the assignee already holds {cap} open leads")]
    CapReached { cap: i64 },
}

/// Whether a user may take one more open lead. A ban is checked before the cap.
pub fn may_take_lead(banned: bool, held: i64, cap: i64) -> Result<(), LeadRefusal> {
    if banned {
        Err(LeadRefusal::AssigneeBanned)
    } else if held >= cap {
        Err(LeadRefusal::CapReached { cap })
    } else {
        Ok(())
    }
}

/// Whether a user may be given a lead: never while banned (open or closed: they get nothing
/// new), and an open lead must also fit their cap (a closed one holds no capacity).
pub fn may_receive_lead(banned: bool, open: bool, held: i64, cap: i64) -> Result<(), LeadRefusal> {
    if open {
        may_take_lead(banned, held, cap)
    } else if banned {
        Err(LeadRefusal::AssigneeBanned)
    } else {
        Ok(())
    }
}

/// A user who might receive leads, as the fairness rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<Id> {
    pub id: Id,
    pub banned: bool,
    pub held: i64,
    pub cap: i64,
    /// When they last got a lead; `None` (never) is the least recent of all.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

impl<Id> Candidate<Id> {
    /// Open leads they may still take: none while banned.
    pub fn free(&self) -> i64 {
        if self.banned {
            0
        } else {
            (self.cap - self.held).max(0)
        }
    }
}

/// The fairness rule: among users with free capacity, the one with the most; ties go to the
/// one assigned least recently. `None` when nobody is eligible.
pub fn pick_assignee<Id: Clone>(candidates: &[Candidate<Id>]) -> Option<Id> {
    candidates
        .iter()
        .filter(|c| c.free() > 0)
        .max_by_key(|c| (c.free(), Reverse(c.last_assigned_at)))
        .map(|c| c.id.clone())
}

/// A candidate's place in the distribution heap: most free capacity first, then least
/// recently assigned (never first, then by time, then by this run's hand-out order), then id.
type HeapEntry<Id> = (i64, Reverse<(Option<DateTime<Utc>>, u64)>, Reverse<Id>);

/// Hands out up to `leads` leads one at a time by the fairness rule, each assignment making
/// its user the most recently assigned. Returns the assignee of each lead in hand-out order
/// (give them the oldest leads first); shorter than `leads` when capacity runs out.
pub fn plan_distribution<Id: Clone + Ord>(candidates: &[Candidate<Id>], leads: usize) -> Vec<Id> {
    let mut heap: BinaryHeap<HeapEntry<Id>> = candidates
        .iter()
        .filter(|c| c.free() > 0)
        .map(|c| {
            (
                c.free(),
                Reverse((c.last_assigned_at, 0)),
                Reverse(c.id.clone()),
            )
        })
        .collect();
    let mut plan = Vec::with_capacity(leads.min(heap.iter().map(|h| h.0 as usize).sum()));
    let now_marker = DateTime::<Utc>::MAX_UTC;
    let mut round: u64 = 0;
    while plan.len() < leads {
        let Some((free, _, Reverse(id))) = heap.pop() else {
            break;
        };
        plan.push(id.clone());
        round += 1;
        if free > 1 {
            // Just assigned: more recent than anything before this run.
            heap.push((free - 1, Reverse((Some(now_marker), round)), Reverse(id)));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0)
    }

    fn candidate(id: u32, held: i64, cap: i64, last: Option<DateTime<Utc>>) -> Candidate<u32> {
        Candidate {
            id,
            banned: false,
            held,
            cap,
            last_assigned_at: last,
        }
    }

    #[test]
    fn statuses_parse_and_know_whether_they_are_open() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(status));
        }
        assert!(LeadStatus::Qualified.is_open() && !LeadStatus::Won.is_open());
        assert!("open".parse::<LeadStatus>().is_err());
    }

    #[test]
    fn a_ban_is_checked_before_the_cap() {
        assert_eq!(may_take_lead(true, 5, 5), Err(LeadRefusal::AssigneeBanned));
        assert_eq!(
            may_receive_lead(true, false, 0, 5),
            Err(LeadRefusal::AssigneeBanned)
        );
        assert_eq!(may_receive_lead(false, false, 5, 5), Ok(()));
        assert_eq!(
            may_receive_lead(false, true, 5, 5),
            Err(LeadRefusal::CapReached { cap: 5 })
        );
        assert_eq!(
            may_take_lead(false, 5, 5),
            Err(LeadRefusal::CapReached { cap: 5 })
        );
        assert_eq!(may_take_lead(false, 4, 5), Ok(()));
        assert_eq!(
            may_take_lead(false, 0, 0),
            Err(LeadRefusal::CapReached { cap: 0 })
        );
    }

    #[test]
    fn the_most_free_capacity_wins_and_ties_go_to_the_least_recent() {
        let candidates = [
            candidate(1, 0, 5, at(10)),
            candidate(2, 0, 5, at(5)),
            candidate(3, 4, 5, None),
        ];
        assert_eq!(pick_assignee(&candidates), Some(2));
        let candidates = [candidate(1, 0, 5, at(10)), candidate(2, 0, 5, None)];
        assert_eq!(
            pick_assignee(&candidates),
            Some(2),
            "never assigned is least recent"
        );
        let full = [
            candidate(1, 5, 5, None),
            Candidate {
                banned: true,
                ..candidate(2, 0, 5, None)
            },
        ];
        assert_eq!(pick_assignee(&full), None);
    }

    #[test]
    fn distribution_fills_toward_caps_fairly() {
        let candidates = [
            candidate(1, 0, 3, at(1)),
            candidate(2, 1, 3, at(0)),
            candidate(3, 0, 1, None),
        ];
        let plan = plan_distribution(&candidates, 10);
        // 1 (most free); then 2 and 1 tie at 2 free and 2 was assigned longer ago; then 1;
        // then 3 (never assigned), 2 and 1 tie at 1 free: oldest first.
        assert_eq!(plan, [1, 2, 1, 3, 2, 1]);
    }

    proptest! {
        #[test]
        fn distribution_never_exceeds_a_cap(
            users in proptest::collection::vec((0i64..20, 0i64..20, any::<bool>()), 0..30),
            leads in 0usize..400,
        ) {
            let candidates: Vec<_> = users.iter().enumerate()
                .map(|(i, (held, cap, banned))| Candidate { id: i, banned: *banned, held: *held, cap: *cap, last_assigned_at: None })
                .collect();
            let plan = plan_distribution(&candidates, leads);
            let capacity: i64 = candidates.iter().map(|c| c.free()).sum();
            prop_assert_eq!(plan.len() as i64, (leads as i64).min(capacity));
            for c in &candidates {
                let given = plan.iter().filter(|id| **id == c.id).count() as i64;
                prop_assert!(given <= c.free());
                prop_assert!(!c.banned || given == 0);
            }
        }
    }
}
