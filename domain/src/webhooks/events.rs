//! The event catalogue, and the events the use cases record in their transaction.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// What a webhook can subscribe to: the contract's catalogue, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    UserCreated,
    UserUpdated,
    UserBanned,
    UserUnbanned,
    UserDeleted,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    LeadCreated,
    LeadAssigned,
    LeadUpdated,
    LeadDeleted,
    LeadBatchCreated,
    LeadsDistributed,
}

impl EventType {
    pub const ALL: [EventType; 14] = [
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserBanned,
        EventType::UserUnbanned,
        EventType::UserDeleted,
        EventType::RoleCreated,
        EventType::RoleUpdated,
        EventType::RoleDeleted,
        EventType::LeadCreated,
        EventType::LeadAssigned,
        EventType::LeadUpdated,
        EventType::LeadDeleted,
        EventType::LeadBatchCreated,
        EventType::LeadsDistributed,
    ];

    /// The name on the wire (`user.created`), also how subscriptions are stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UserCreated => "user.created",
            EventType::UserUpdated => "user.updated",
            EventType::UserBanned => "user.banned",
            EventType::UserUnbanned => "user.unbanned",
            EventType::UserDeleted => "user.deleted",
            EventType::RoleCreated => "role.created",
            EventType::RoleUpdated => "role.updated",
            EventType::RoleDeleted => "role.deleted",
            EventType::LeadCreated => "lead.created",
            EventType::LeadAssigned => "lead.assigned",
            EventType::LeadUpdated => "lead.updated",
            EventType::LeadDeleted => "lead.deleted",
            EventType::LeadBatchCreated => "lead.batch_created",
            EventType::LeadsDistributed => "leads.distributed",
        }
    }

    /// The kind of record the event's `data` shows when it is a resource: what the sender
    /// renders it with. `None` for the events whose data is fixed at the change.
    pub fn resource(self) -> Option<ResourceKind> {
        match self {
            EventType::UserCreated
            | EventType::UserUpdated
            | EventType::UserBanned
            | EventType::UserUnbanned => Some(ResourceKind::User),
            EventType::RoleCreated | EventType::RoleUpdated => Some(ResourceKind::Role),
            EventType::LeadCreated | EventType::LeadAssigned | EventType::LeadUpdated => {
                Some(ResourceKind::Lead)
            }
            EventType::UserDeleted
            | EventType::RoleDeleted
            | EventType::LeadDeleted
            | EventType::LeadBatchCreated
            | EventType::LeadsDistributed => None,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent;

impl FromStr for EventType {
    type Err = UnknownEvent;

    fn from_str(name: &str) -> Result<Self, UnknownEvent> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or(UnknownEvent)
    }
}

/// The records whose events carry the record itself, as `GET` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Role,
    Lead,
}

/// What an event's `data` is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// The record with this id, rendered as `GET` shows it when the event is first sent.
    Resource(Uuid),
    /// `{id}` of a deleted record.
    Deleted(Uuid),
    /// `{ids}`: the leads of one batch, in the order given.
    Batch(Vec<Uuid>),
    /// `{assigned, per_user: [{user_id, lead_ids}]}`: one distribution run.
    Distributed(Vec<(Uuid, Vec<Uuid>)>),
}

/// One change, recorded by its use case in the transaction that makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventType,
    pub data: EventData,
}

impl Event {
    /// An event about the record `id` (created, updated, banned, assigned ...).
    pub fn about(kind: EventType, id: Uuid) -> Self {
        Self {
            kind,
            data: EventData::Resource(id),
        }
    }

    /// The deletion of the record `id`.
    pub fn deleted(kind: EventType, id: Uuid) -> Self {
        Self {
            kind,
            data: EventData::Deleted(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_the_contracts_and_every_name_reads_back() {
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "user.created",
                "user.updated",
                "user.banned",
                "user.unbanned",
                "user.deleted",
                "role.created",
                "role.updated",
                "role.deleted",
                "lead.created",
                "lead.assigned",
                "lead.updated",
                "lead.deleted",
                "lead.batch_created",
                "leads.distributed",
            ]
        );
        for kind in EventType::ALL {
            assert_eq!(kind.as_str().parse::<EventType>(), Ok(kind));
        }
        assert_eq!("user.Created".parse::<EventType>(), Err(UnknownEvent));
        assert_eq!("lead.distributed".parse::<EventType>(), Err(UnknownEvent));
    }

    #[test]
    fn deletions_and_bulk_events_carry_no_resource() {
        let fixed: Vec<EventType> = EventType::ALL
            .into_iter()
            .filter(|t| t.resource().is_none())
            .collect();
        assert_eq!(
            fixed,
            [
                EventType::UserDeleted,
                EventType::RoleDeleted,
                EventType::LeadDeleted,
                EventType::LeadBatchCreated,
                EventType::LeadsDistributed,
            ]
        );
    }
}
