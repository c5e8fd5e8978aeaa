use uuid::Uuid;

use super::LeadPatch;
use crate::ports::{Clock, Commit, Leads, Outbox, Store};
use crate::webhooks::{Event, EventType};
use crate::{DomainError, Precondition, may_receive_lead};

/// Changes a lead. Giving it to a user, or reopening it while assigned, must fit that user's
/// cap; a banned user is given nothing, not even a closed lead. A change conditioned on
/// versions the lead no longer has changes nothing. A change of assignee (unassigning
/// included) is a `lead.assigned` event, a change of any other field a `lead.updated` one;
/// a patch doing both records both.
pub async fn update_lead(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    id: Uuid,
    mut patch: LeadPatch,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    let current = tx.lock_lead(id).await?.ok_or(DomainError::NotFound)?;
    precondition.check(current.version)?;
    let status = patch.status.unwrap_or(current.status);
    let assignee = patch.assignee_id.unwrap_or(current.assignee_id);
    let changes_hands = assignee != current.assignee_id;
    let newly_held =
        status.is_open() && assignee.is_some() && (changes_hands || !current.status.is_open());
    if let Some(user_id) = assignee.filter(|_| newly_held || changes_hands) {
        let (user, _) = tx
            .lock_candidate(user_id)
            .await?
            .ok_or_else(|| DomainError::names_nothing("assignee_id"))?;
        may_receive_lead(user.banned, newly_held, user.held, user.cap)?;
    }
    let now = clock.now();
    let edits_fields = patch.name.is_some()
        || patch.phone.is_some()
        || patch.email.is_some()
        || patch.source.is_some()
        || patch.status.is_some();
    patch.status = Some(status);
    patch.assignee_id = changes_hands.then_some(assignee);
    tx.save_lead(&current, patch, now).await?;
    if changes_hands {
        tx.record_event(Event::about(EventType::LeadAssigned, id))
            .await?;
    }
    if edits_fields {
        tx.record_event(Event::about(EventType::LeadUpdated, id))
            .await?;
    }
    tx.commit().await
}

/// Deletes a lead at a version `precondition` names.
pub async fn delete_lead(
    store: &impl Store,
    company_id: Uuid,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    let current = tx.lock_lead(id).await?.ok_or(DomainError::NotFound)?;
    precondition.check(current.version)?;
    if !tx.delete_lead(&current).await? {
        return Err(DomainError::NotFound);
    }
    tx.record_event(Event::deleted(EventType::LeadDeleted, id))
        .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::leads::{NewLead, create_leads};
    use crate::testing::{MemoryStore, run};
    use crate::{LeadStatus, Version};

    #[test]
    fn a_change_conditioned_on_an_older_version_changes_nothing() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let (company_id, clock) = (company.company_id, DateTime::UNIX_EPOCH);
        let new = NewLead {
            name: "Meera".into(),
            phone: None,
            email: None,
            source: None,
            status: LeadStatus::New,
            assignee_id: None,
        };
        let ids = run(create_leads(&store, &clock, company_id, vec![new])).expect("created");
        let id = ids[0];
        let lead = |store: &MemoryStore| store.company(company_id).leads[&id].clone();
        let read_at = Precondition::OneOf(vec![lead(&store).version]);
        let rename = |name: &str| LeadPatch {
            name: Some(name.into()),
            ..LeadPatch::default()
        };

        let first = run(update_lead(
            &store,
            &clock,
            company_id,
            id,
            rename("Meera S"),
            &read_at,
        ));
        let after_first = lead(&store);
        let second = run(update_lead(
            &store,
            &clock,
            company_id,
            id,
            rename("Meera K"),
            &read_at,
        ));
        let stale_delete = run(delete_lead(&store, company_id, id, &read_at));

        first.expect("at the version it was read at");
        assert_eq!(after_first.version, Version(2));
        assert!(matches!(second, Err(DomainError::PreconditionFailed)));
        assert!(matches!(stale_delete, Err(DomainError::PreconditionFailed)));
        assert_eq!(lead(&store), after_first, "nothing changed");
        let current = Precondition::OneOf(vec![after_first.version]);
        run(delete_lead(&store, company_id, id, &current)).expect("at the current version");
    }
}
