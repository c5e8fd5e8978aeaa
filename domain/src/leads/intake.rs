use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::NewLead;
use crate::ports::{Clock, Commit, CompanySettings, Leads, Outbox, Store};
use crate::queries::{LeadView, NamedRef};
use crate::webhooks::{Event, EventData, EventType};
use crate::{
    Candidate, DomainError, Email, LeadRefusal, LeadStatus, Phone, Version, may_receive_lead,
    pick_assignee,
};

/// Creates one lead, recorded as `lead.created` (assigned or not: its data shows the
/// assignee), and returns it as stored. An assignee given must fit (not banned, under their
/// cap); an open lead without one goes to the fairest user when the company's
/// `auto_assign_new_leads` is on. Only the user it goes to is locked, not the company: one
/// company's intakes run side by side.
pub async fn create_lead(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    mut lead: NewLead,
) -> Result<LeadView, DomainError> {
    // To the microsecond, as both databases keep it: the answer is what a read returns.
    let now = clock.now().trunc_subsecs(6);
    let mut tx = store.begin(company_id).await?;
    let assignee = match lead.assignee_id {
        Some(user_id) => {
            let (user, name) = tx
                .lock_candidate(user_id)
                .await?
                .ok_or_else(|| DomainError::names_nothing("assignee_id"))?;
            may_receive_lead(user.banned, lead.status.is_open(), user.held, user.cap)?;
            Some(NamedRef { id: user_id, name })
        }
        None if lead.status.is_open() && tx.settings().await?.auto_assign_new_leads => {
            tx.lock_fairest().await?
        }
        None => None,
    };
    lead.assignee_id = assignee.as_ref().map(|user| user.id);
    let id = tx
        .insert_leads(vec![lead.clone()], now)
        .await?
        .first()
        .copied()
        .ok_or_else(|| DomainError::fault("the lead was not stored"))?;
    tx.record_event(Event::about(EventType::LeadCreated, id))
        .await?;
    tx.commit().await?;
    Ok(LeadView {
        id,
        name: lead.name,
        phone: lead.phone.map(Phone::into_inner),
        email: lead.email.map(Email::into_inner),
        source: lead.source,
        status: lead.status.as_str().to_owned(),
        assigned_at: assignee.as_ref().map(|_| now),
        assignee,
        created_at: now,
        version: Version::default(),
    })
}

/// Creates a batch of leads, all or nothing, recorded as ONE `lead.batch_created` event
/// (`{ids}`). A lead given an assignee must fit that user (not banned, under their cap); an
/// open lead without one goes to the fairest eligible user when the company's
/// `auto_assign_new_leads` is on. The batch locks the company and all its users.
pub async fn create_leads(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    mut leads: Vec<NewLead>,
) -> Result<Vec<Uuid>, DomainError> {
    let mut tx = store.begin(company_id).await?;
    let mut users = tx.lock_candidates().await?;
    let auto_assign = tx.settings().await?.auto_assign_new_leads;
    let wanted: Vec<_> = leads.iter().map(|l| (l.assignee_id, l.status)).collect();
    let now = clock.now();
    let plan =
        plan_intake(&mut users, &wanted, auto_assign, now).map_err(
            |(at, refusal)| match refusal {
                IntakeRefusal::UnknownAssignee => {
                    DomainError::names_nothing(&format!("leads[{at}].assignee_id"))
                }
                IntakeRefusal::Lead(refusal) => DomainError::Lead(refusal),
            },
        )?;
    for (lead, assignee) in leads.iter_mut().zip(&plan) {
        lead.assignee_id = *assignee;
    }
    let ids = tx.insert_leads(leads, now).await?;
    if !ids.is_empty() {
        let event = Event {
            kind: EventType::LeadBatchCreated,
            data: EventData::Batch(ids.clone()),
        };
        tx.record_event(event).await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// Why a lead of an intake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntakeRefusal {
    /// Its assignee names no user of the company.
    UnknownAssignee,
    Lead(LeadRefusal),
}

/// Decides each lead's assignee in order, counting what each user holds as it goes, so a
/// batch never takes a user past their cap. `wanted` is each lead's requested assignee and
/// status. Fails with the index of the first refused lead.
fn plan_intake(
    users: &mut [Candidate<Uuid>],
    wanted: &[(Option<Uuid>, LeadStatus)],
    auto_assign: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Option<Uuid>>, (usize, IntakeRefusal)> {
    let index: HashMap<Uuid, usize> = users.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut assignees = Vec::with_capacity(wanted.len());
    for (n, (requested, status)) in wanted.iter().enumerate() {
        let assignee = match requested {
            Some(id) => {
                let at = *index.get(id).ok_or((n, IntakeRefusal::UnknownAssignee))?;
                let user = &users[at];
                may_receive_lead(user.banned, status.is_open(), user.held, user.cap)
                    .map_err(|refusal| (n, IntakeRefusal::Lead(refusal)))?;
                Some(at)
            }
            None if auto_assign && status.is_open() => {
                pick_assignee(users).and_then(|id| index.get(&id).copied())
            }
            None => None,
        };
        if let Some(at) = assignee {
            let user = &mut users[at];
            if status.is_open() {
                user.held += 1;
            }
            // Each assignment makes its user the most recently assigned, in hand-out order.
            let order = i64::try_from(n).unwrap_or(i64::MAX);
            user.last_assigned_at = Some(now + chrono::Duration::microseconds(order));
        }
        assignees.push(assignee.map(|at| users[at].id));
    }
    Ok(assignees)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: u128, held: i64, cap: i64) -> Candidate<Uuid> {
        Candidate {
            id: Uuid::from_u128(id),
            banned: false,
            held,
            cap,
            last_assigned_at: None,
        }
    }

    #[test]
    fn auto_assignment_spreads_a_batch_fairly_and_never_past_a_cap() {
        let mut users = vec![user(1, 0, 2), user(2, 0, 1)];
        let wanted = vec![(None, LeadStatus::New); 4];

        let plan = plan_intake(&mut users, &wanted, true, DateTime::UNIX_EPOCH).expect("plan");

        let [one, two] = [1, 2].map(|id| Some(Uuid::from_u128(id)));
        // Equal free capacity goes to the least recently assigned.
        assert_eq!(plan, [one, two, one, None]);
        assert_eq!(users.iter().map(|u| u.held).collect::<Vec<_>>(), [2, 1]);
    }

    #[test]
    fn a_named_assignee_must_exist_and_fit_and_closed_leads_take_no_capacity() {
        let mut users = vec![user(1, 1, 1)];
        let one = Some(Uuid::from_u128(1));

        let closed = plan_intake(
            &mut users,
            &[(one, LeadStatus::Won)],
            true,
            DateTime::UNIX_EPOCH,
        );
        let full = plan_intake(
            &mut users,
            &[(one, LeadStatus::New)],
            true,
            DateTime::UNIX_EPOCH,
        );
        let unknown = plan_intake(
            &mut users,
            &[
                (None, LeadStatus::New),
                (Some(Uuid::from_u128(9)), LeadStatus::New),
            ],
            false,
            DateTime::UNIX_EPOCH,
        );

        assert_eq!(closed, Ok(vec![one]));
        assert_eq!(
            full,
            Err((0, IntakeRefusal::Lead(LeadRefusal::CapReached { cap: 1 })))
        );
        assert_eq!(unknown, Err((1, IntakeRefusal::UnknownAssignee)));
    }
}
