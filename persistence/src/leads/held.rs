//! Each user's `leads_held`: the open leads they hold, a count every write of leads moves in
//! its own transaction (creating, assigning, unassigning, opening, closing, deleting), so the
//! cap rule and the user views read one column instead of counting leads.

use std::collections::BTreeMap;

use domain::leads::LeadRecord;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::user;

/// Users per UPDATE: three bound values each, well under both databases' limits.
const UPDATE_CHUNK: usize = 1_000;

/// How a write moves users' counts of open leads held.
#[derive(Debug, Default)]
pub(crate) struct HeldChanges(BTreeMap<Uuid, i64>);

impl HeldChanges {
    /// `lead`'s holder, as `(assignee, open)`, goes from `before` to `after`.
    pub(crate) fn moved(before: Holder, after: Holder) -> Self {
        let mut changes = Self::default();
        changes.lose(before);
        changes.gain(after);
        changes
    }

    /// One more lead held by `holder` (nothing when it is unassigned or closed).
    pub(crate) fn gain(&mut self, holder: Holder) {
        if let Some(user_id) = holder.held_by() {
            self.add(user_id, 1);
        }
    }

    /// One lead fewer held by `holder`.
    pub(crate) fn lose(&mut self, holder: Holder) {
        if let Some(user_id) = holder.held_by() {
            self.add(user_id, -1);
        }
    }

    pub(crate) fn add(&mut self, user_id: Uuid, count: i64) {
        *self.0.entry(user_id).or_default() += count;
    }

    /// Writes the changes: `leads_held = leads_held + CASE id WHEN ... END` per chunk of
    /// users, leaving out those whose count did not move.
    pub(crate) async fn apply(
        self,
        db: &impl ConnectionTrait,
        company_id: Uuid,
    ) -> Result<(), StoreError> {
        let moved: Vec<(Uuid, i64)> = self.0.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in moved.chunks(UPDATE_CHUNK) {
            let by_user: Expr = chunk
                .iter()
                .fold(CaseStatement::new(), |case, (user_id, count)| {
                    case.case(Expr::col(user::Column::Id).eq(*user_id), Expr::val(*count))
                })
                .finally(Expr::val(0_i64))
                .into();
            let update = Query::update()
                .table(user::Entity)
                .value(
                    user::Column::LeadsHeld,
                    Expr::col(user::Column::LeadsHeld).add(by_user),
                )
                .and_where(Expr::col(user::Column::CompanyId).eq(company_id))
                .and_where(Expr::col(user::Column::Id).is_in(chunk.iter().map(|(id, _)| *id)))
                .take();
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
