//! What a write of leads does to its users, in its own transaction: each user's `leads_held`
//! (the open leads they hold) moves with every lead created, handed over, unassigned, opened,
//! closed or deleted, and a user given a lead is marked assigned now (`last_assigned_at`, the
//! fairness rule's tie-breaker). The cap rule and the user views read the count instead of
//! counting leads; both columns lead the `users_fairest` index the intake picks from.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::leads::LeadRecord;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::user;

/// Users per UPDATE: three bound values each, well under both databases' limits.
const UPDATE_CHUNK: usize = 1_000;

/// How a write of leads moves its users.
#[derive(Debug, Default)]
pub(crate) struct AssigneeChanges(BTreeMap<Uuid, UserChange>);

#[derive(Debug, Default, Clone, Copy)]
struct UserChange {
    /// Open leads gained (or lost, below zero).
    held: i64,
    /// Given a lead: marked assigned now.
    given: bool,
}

impl AssigneeChanges {
    /// A lead given to `holder`'s assignee: a new one, or one handed over. Counted when open.
    pub(crate) fn give(&mut self, holder: Holder) {
        if let Some(user_id) = holder.assignee_id {
            let change = self.0.entry(user_id).or_default();
            change.given = true;
            change.held += i64::from(holder.open);
        }
    }

    /// `count` open leads given to one user at once (a distribution).
    pub(crate) fn give_open(&mut self, user_id: Uuid, count: i64) {
        let change = self.0.entry(user_id).or_default();
        change.given = true;
        change.held += count;
    }

    /// One more open lead held by `holder`, not given anew (a lead reopened).
    pub(crate) fn hold(&mut self, holder: Holder) {
        if let Some(user_id) = holder.held_by() {
            self.0.entry(user_id).or_default().held += 1;
        }
    }

    /// One lead fewer held by `holder`: handed away, closed or deleted.
    pub(crate) fn release(&mut self, holder: Holder) {
        if let Some(user_id) = holder.held_by() {
            self.0.entry(user_id).or_default().held -= 1;
        }
    }

    /// Writes the changes, one UPDATE per chunk of users: `leads_held = leads_held + CASE id
    /// WHEN ... END`, and `last_assigned_at = now` for those given a lead.
    pub(crate) async fn apply(
        self,
        db: &impl ConnectionTrait,
        company_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let moved: Vec<(Uuid, UserChange)> = self
            .0
            .into_iter()
            .filter(|(_, change)| change.held != 0 || change.given)
            .collect();
        for chunk in moved.chunks(UPDATE_CHUNK) {
            let id = || Expr::col(user::Column::Id);
            let held: Expr = chunk
                .iter()
                .fold(CaseStatement::new(), |case, (user_id, change)| {
                    case.case(id().eq(*user_id), Expr::val(change.held))
                })
                .finally(Expr::val(0_i64))
                .into();
            let mut update = Query::update()
                .table(user::Entity)
                .value(
                    user::Column::LeadsHeld,
                    Expr::col(user::Column::LeadsHeld).add(held),
                )
                .and_where(Expr::col(user::Column::CompanyId).eq(company_id))
                .and_where(id().is_in(chunk.iter().map(|(user_id, _)| *user_id)))
                .take();
            let given: Vec<Uuid> = chunk
                .iter()
                .filter(|(_, change)| change.given)
                .map(|(user_id, _)| *user_id)
                .collect();
            if given.len() == chunk.len() {
                update.value(user::Column::LastAssignedAt, now);
            } else if !given.is_empty() {
                let last_assigned: Expr = CaseStatement::new()
                    .case(id().is_in(given), Expr::val(now))
                    .finally(Expr::col(user::Column::LastAssignedAt))
                    .into();
                update.value(user::Column::LastAssignedAt, last_assigned);
            }
            db.execute_raw(db.get_database_backend().build(&update))
                .await?;
        }
        Ok(())
    }
}

/// Who holds a lead: its assignee while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Holder {
    pub(crate) assignee_id: Option<Uuid>,
    pub(crate) open: bool,
}

impl Holder {
    pub(crate) fn of(lead: &LeadRecord) -> Self {
        Self {
            assignee_id: lead.assignee_id,
            open: lead.status.is_open(),
        }
    }

    fn held_by(self) -> Option<Uuid> {
        self.assignee_id.filter(|_| self.open)
    }
}
