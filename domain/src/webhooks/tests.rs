//! The webhooks' use cases on the in-memory store, and the events the other use cases record.

use chrono::DateTime;
use uuid::Uuid;

use super::*;
use crate::leads::{LeadPatch, NewLead, create_lead, create_leads, distribute, update_lead};
use crate::testing::{MemoryStore, PlainHasher, new_user, run};
use crate::users::{create_user, delete_user};
use crate::{DomainError, LeadCap, LeadStatus, Precondition, RuleViolation};

fn hook(url: &str, events: &[EventType]) -> NewWebhook {
    NewWebhook {
        url: WebhookUrl::parse(url, Destinations::PublicHttps).expect("url"),
        events: EventSet::new(events.iter().copied()).expect("events"),
        enabled: true,
        secret: "whsec_not_for_the_audit_trail".into(),
    }
}

fn lead(name: &str) -> NewLead {
    NewLead {
        name: name.into(),
        phone: None,
        email: None,
        source: None,
        status: LeadStatus::New,
        assignee_id: None,
    }
}

fn kinds(store: &MemoryStore, company_id: Uuid) -> Vec<EventType> {
    store
        .company(company_id)
        .outbox
        .iter()
        .map(|e| e.kind)
        .collect()
}

#[test]
fn webhook_changes_are_audited_by_host_and_an_empty_patch_writes_nothing() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let admin = &company.admin;
    let new = hook(
        "https://hooks.example.com/in?token=abc",
        &[EventType::UserCreated],
    );
    let id = run(create_webhook(&store, admin, new)).expect("created");

    let unchanged = WebhookPatch {
        enabled: Some(true),
        ..WebhookPatch::default()
    };
    run(update_webhook(&store, admin, id, unchanged)).expect("nothing to change");
    let patch = WebhookPatch {
        events: Some(EventSet::new([EventType::UserDeleted]).expect("events")),
        enabled: Some(false),
        ..WebhookPatch::default()
    };
    run(update_webhook(&store, admin, id, patch)).expect("updated");
    run(delete_webhook(&store, admin, id)).expect("deleted");
    let again = run(delete_webhook(&store, admin, id));

    assert!(matches!(again, Err(DomainError::NotFound)));
    let audit = store.company(company.company_id).audit;
    let trail: Vec<(&str, Vec<&str>)> = audit
        .iter()
        .map(|e| (e.action, e.changes.clone()))
        .collect();
    assert_eq!(
        trail,
        [
            ("webhook.created", vec![]),
            ("webhook.updated", vec!["events", "enabled"]),
            ("webhook.deleted", vec![]),
        ]
    );
    for entry in &audit {
        let target = entry.target.as_ref().expect("a target");
        assert_eq!(
            (target.kind, target.name.as_str()),
            ("webhook", "hooks.example.com")
        );
    }
    assert!(store.company(company.company_id).webhooks.is_empty());
}

#[test]
fn an_event_set_is_never_empty_and_lists_each_event_once() {
    assert!(EventSet::new([]).is_err());
    let set = EventSet::new([
        EventType::LeadDeleted,
        EventType::UserCreated,
        EventType::LeadDeleted,
    ])
    .expect("events");
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        [EventType::UserCreated, EventType::LeadDeleted]
    );
}

#[test]
fn a_refused_change_records_no_event_and_a_committed_one_does() {
    let store = MemoryStore::default();
    let company = store.sign_up(2);
    let agent_role = company.roles[2];

    let created = run(create_user(
        &store,
        &PlainHasher,
        &company.admin,
        new_user("one@example.com", agent_role),
    ))
    .expect("a seat was free");
    let refused = run(create_user(
        &store,
        &PlainHasher,
        &company.admin,
        new_user("two@example.com", agent_role),
    ));
    let deleted = run(delete_user(
        &store,
        &company.admin,
        created,
        &Precondition::None,
    ));

    assert!(matches!(
        refused,
        Err(DomainError::Rule(RuleViolation::AgentLimitReached { .. }))
    ));
    deleted.expect("deleted");
    assert_eq!(
        store.company(company.company_id).outbox,
        [
            Event::about(EventType::UserCreated, created),
            Event::deleted(EventType::UserDeleted, created),
        ]
    );
}

#[test]
fn a_batch_and_a_distribution_are_one_event_each() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let (company_id, clock) = (company.company_id, DateTime::UNIX_EPOCH);
    // Nobody can take a lead yet (the admin's cap is 0): the batch stays in the pool.
    let ids = run(create_leads(
        &store,
        &clock,
        company_id,
        vec![lead("A"), lead("B"), lead("C")],
    ))
    .expect("batch");
    let mut agent = new_user("agent@example.com", company.roles[2]);
    agent.details.lead_cap = LeadCap::parse(3).expect("cap");
    let agent = run(create_user(&store, &PlainHasher, &company.admin, agent)).expect("agent");

    let handed_out = run(distribute(&store, &clock, company_id)).expect("distributed");
    let empty_run = run(distribute(&store, &clock, company_id)).expect("nothing left");

    assert_eq!((handed_out.assigned, empty_run.assigned), (3, 0));
    assert_eq!(
        store.company(company_id).outbox,
        [
            Event {
                kind: EventType::LeadBatchCreated,
                data: EventData::Batch(ids.clone()),
            },
            Event::about(EventType::UserCreated, agent),
            Event {
                kind: EventType::LeadsDistributed,
                data: EventData::Distributed(vec![(agent, ids)]),
            },
        ],
        "nothing for a run that handed out nothing"
    );
}

#[test]
fn a_lead_change_of_assignee_and_fields_is_two_events() {
    let store = MemoryStore::default();
    let company = store.sign_up(5);
    let (company_id, clock) = (company.company_id, DateTime::UNIX_EPOCH);
    let mut agent = new_user("agent@example.com", company.roles[2]);
    agent.details.lead_cap = LeadCap::parse(3).expect("cap");
    let agent = run(create_user(&store, &PlainHasher, &company.admin, agent)).expect("agent");
    let id = run(create_lead(&store, &clock, company_id, lead("Meera")))
        .expect("lead")
        .id;

    let both = LeadPatch {
        name: Some("Meera S".into()),
        assignee_id: Some(None),
        ..LeadPatch::default()
    };
    run(update_lead(
        &store,
        &clock,
        company_id,
        id,
        both,
        &Precondition::None,
    ))
    .expect("changed");

    assert_eq!(
        kinds(&store, company_id),
        [
            EventType::UserCreated,
            EventType::LeadCreated,
            EventType::LeadAssigned,
            EventType::LeadUpdated,
        ],
        "auto-assigned at creation to {agent}, then unassigned and renamed"
    );
}
