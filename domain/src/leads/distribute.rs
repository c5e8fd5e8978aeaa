use std::collections::HashMap;

use uuid::Uuid;

use crate::ports::{Clock, Commit, Jobs, Leads, Outbox, Store};
use crate::webhooks::{Event, EventData, EventType};
use crate::{DomainError, plan_distribution};

/// The job name of the daily top-up.
pub const DAILY_TOP_UP: &str = "daily_top_up";

/// What a distribution run handed out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    pub assigned: u64,
    /// Users in the order they first received a lead, with how many they got.
    pub per_user: Vec<(Uuid, u64)>,
}

/// Hands the unassigned open leads, oldest first, to eligible users toward their caps.
pub async fn distribute(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
) -> Result<Distribution, DomainError> {
    let mut tx = store.begin(company_id).await?;
    let distribution = distribute_in(&mut tx, clock).await?;
    tx.commit().await?;
    Ok(distribution)
}

/// Runs the daily top-up (a distribution) for the company's local `day` (`YYYY-MM-DD`)
/// unless it already ran: the run's record and its assignments commit together, so a crash
/// leaves neither and a second replica's attempt finds the record taken. `None` when it had
/// already run.
pub async fn daily_top_up(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    day: &str,
) -> Result<Option<Distribution>, DomainError> {
    let mut tx = store.begin(company_id).await?;
    if !tx.claim_job_run(DAILY_TOP_UP, day, clock.now()).await? {
        return Ok(None);
    }
    let distribution = distribute_in(&mut tx, clock).await?;
    tx.finish_job_run(DAILY_TOP_UP, day, distribution.assigned)
        .await?;
    tx.commit().await?;
    Ok(Some(distribution))
}

/// The distribution inside a caller's transaction. Takes the company lock first: runs for one
/// company are serialized, and no other hand-out races them. A run that hands out anything
/// is ONE `leads.distributed` event naming every lead by user.
async fn distribute_in(
    tx: &mut (impl Leads + Outbox),
    clock: &impl Clock,
) -> Result<Distribution, DomainError> {
    let users = tx.lock_candidates().await?;
    let capacity: i64 = users.iter().map(|u| u.free()).sum();
    if capacity == 0 {
        return Ok(Distribution::default());
    }
    let pool = tx
        .unassigned_pool(usize::try_from(capacity).unwrap_or(usize::MAX))
        .await?;
    let per_user = by_user(&pool, plan_distribution(&users, pool.len()));
    let now = clock.now();
    tx.assign_leads(&per_user, now).await?;
    if !per_user.is_empty() {
        let event = Event {
            kind: EventType::LeadsDistributed,
            data: EventData::Distributed(per_user.clone()),
        };
        tx.record_event(event).await?;
    }
    Ok(Distribution {
        assigned: per_user.iter().map(|(_, l)| l.len() as u64).sum(),
        per_user: per_user
            .into_iter()
            .map(|(u, l)| (u, l.len() as u64))
            .collect(),
    })
}

/// Groups the leads of the pool by the user the plan gives each to, users in the order they
/// first receive one.
fn by_user(pool: &[Uuid], plan: Vec<Uuid>) -> Vec<(Uuid, Vec<Uuid>)> {
    let mut per_user: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    let mut slot: HashMap<Uuid, usize> = HashMap::new();
    for (lead_id, user_id) in pool.iter().zip(plan) {
        let at = *slot.entry(user_id).or_insert_with(|| {
            per_user.push((user_id, Vec::new()));
            per_user.len() - 1
        });
        per_user[at].1.push(*lead_id);
    }
    per_user
}
