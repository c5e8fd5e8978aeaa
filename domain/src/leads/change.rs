use uuid::Uuid;

use super::LeadPatch;
use crate::ports::{Clock, Commit, Leads, Store};
use crate::{DomainError, may_receive_lead};

/// Changes a lead. Giving it to a user, or reopening it while assigned, must fit that user's
/// cap; a banned user is given nothing, not even a closed lead.
pub async fn update_lead(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    id: Uuid,
    mut patch: LeadPatch,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    let current = tx.lock_lead(id).await?.ok_or(DomainError::NotFound)?;
    let status = patch.status.unwrap_or(current.status);
    let assignee = patch.assignee_id.unwrap_or(current.assignee_id);
    let changes_hands = assignee != current.assignee_id;
    let newly_held =
        status.is_open() && assignee.is_some() && (changes_hands || !current.status.is_open());
    if let Some(user_id) = assignee.filter(|_| newly_held || changes_hands) {
        let user = tx
            .candidate(user_id)
            .await?
            .ok_or_else(|| DomainError::names_nothing("assignee_id"))?;
        may_receive_lead(user.banned, newly_held, user.held, user.cap)?;
    }
    let now = clock.now();
    patch.status = Some(status);
    patch.assignee_id = changes_hands.then_some(assignee);
    if let Some(user_id) = assignee.filter(|_| changes_hands) {
        tx.touch_assignees(&[user_id], now).await?;
    }
    tx.save_lead(id, patch, now).await?;
    tx.commit().await
}

pub async fn delete_lead(
    store: &impl Store,
    company_id: Uuid,
    id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    if !tx.delete_lead(id).await? {
        return Err(DomainError::NotFound);
    }
    tx.commit().await
}
