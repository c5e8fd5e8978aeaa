use uuid::Uuid;

use crate::{PermissionSet, RuleViolation};

/// Who makes a change: what the rules check (its permissions) and what the audit trail
/// records (its kind, id, name and address).
#[derive(Debug, Clone)]
pub struct Actor {
    pub company_id: Uuid,
    /// The user's id, or the API key's.
    pub id: Uuid,
    pub kind: ActorKind,
    pub name: String,
    pub permissions: PermissionSet,
    /// The client's address, for the audit trail.
    pub ip: Option<String>,
}

/// A person signed in, or an integration calling with an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiKey,
}

impl ActorKind {
    /// As the audit trail names it (`actor.type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "user" => Some(ActorKind::User),
            "api_key" => Some(ActorKind::ApiKey),
            _ => None,
        }
    }
}

impl Actor {
    /// The signed-in user's own id, for what a person does to their own account (password,
    /// M-PIN, sessions, devices). An API key has no account of its own.
    pub fn own_user(&self) -> Result<Uuid, RuleViolation> {
        match self.kind {
            ActorKind::User => Ok(self.id),
            ActorKind::ApiKey => Err(RuleViolation::PeopleOnly),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(kind: ActorKind) -> Actor {
        Actor {
            company_id: Uuid::now_v7(),
            id: Uuid::now_v7(),
            kind,
            name: "Zapier".into(),
            permissions: PermissionSet::all(),
            ip: None,
        }
    }

    #[test]
    fn a_key_has_no_account_of_its_own() {
        let user = actor(ActorKind::User);
        assert_eq!(user.own_user(), Ok(user.id));
        assert_eq!(
            actor(ActorKind::ApiKey).own_user(),
            Err(RuleViolation::PeopleOnly)
        );
    }

    #[test]
    fn kinds_read_back_as_written() {
        for kind in [ActorKind::User, ActorKind::ApiKey] {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
