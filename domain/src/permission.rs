use std::fmt;
use std::str::FromStr;

/// What a permission applies to, in the order the sidebar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// Leads and customers.
    Management,
    Task,
    /// Users of the company.
    Agent,
    Department,
    Branch,
    Role,
    Billing,
    Campaign,
    Workflow,
    Reports,
    Settings,
}

impl Resource {
    /// Every resource, in sidebar order.
    pub const ALL: [Resource; 11] = [
        Resource::Management,
        Resource::Task,
        Resource::Agent,
        Resource::Department,
        Resource::Branch,
        Resource::Role,
        Resource::Billing,
        Resource::Campaign,
        Resource::Workflow,
        Resource::Reports,
        Resource::Settings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Management => "management",
            Resource::Task => "task",
            Resource::Agent => "agent",
            Resource::Department => "department",
            Resource::Branch => "branch",
            Resource::Role => "role",
            Resource::Billing => "billing",
            Resource::Campaign => "campaign",
            Resource::Workflow => "workflow",
            Resource::Reports => "reports",
            Resource::Settings => "settings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Read,
    /// Create and update.
    Write,
    Delete,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Delete => "delete",
        }
    }
}

/// `resource:action`, e.g. `agent:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    pub resource: Resource,
    pub action: Action,
}

impl Permission {
    pub const fn new(resource: Resource, action: Action) -> Self {
        Self { resource, action }
    }

    /// The permission's position in a [`PermissionSet`]'s bit mask.
    fn bit(self) -> u64 {
        let index = self.resource as usize * Action::ALL.len() + self.action as usize;
        1 << index
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource.as_str(), self.action.as_str())
    }
}

/// The text was not a permission of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownPermission(text.to_owned());
        let (resource, action) = text.split_once(':').ok_or_else(unknown)?;
        let resource = Resource::ALL
            .into_iter()
            .find(|r| r.as_str() == resource)
            .ok_or_else(unknown)?;
        let action = Action::ALL
            .into_iter()
            .find(|a| a.as_str() == action)
            .ok_or_else(unknown)?;
        Ok(Self::new(resource, action))
    }
}

/// A set of permissions, as a bit mask: 11 resources x 3 actions fit in one `u64`, which makes
/// the no-escalation rule (a subset test) a single AND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    pub fn empty() -> Self {
        Self(0)
    }

    /// Every permission of the catalogue: what the Company Admin role holds.
    pub fn all() -> Self {
        Self::catalogue().collect()
    }

    /// Every permission, resources in sidebar order and actions read, write, delete.
    pub fn catalogue() -> impl Iterator<Item = Permission> {
        Resource::ALL
            .into_iter()
            .flat_map(|r| Action::ALL.into_iter().map(move |a| Permission::new(r, a)))
    }

    pub fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
    }

    pub fn contains(&self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// True when every permission of `other` is also in `self`: the no-escalation rule says
    /// an actor may only hand out or edit what `actor.permissions.contains_all(target)`.
    pub fn contains_all(&self, other: &PermissionSet) -> bool {
        other.0 & !self.0 == 0
    }

    /// The permissions in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        Self::catalogue().filter(|p| self.contains(*p))
    }

    /// The resources this set can read, in sidebar order: the menu a client shows.
    pub fn menu(&self) -> impl Iterator<Item = Resource> + '_ {
        Resource::ALL
            .into_iter()
            .filter(|r| self.contains(Permission::new(*r, Action::Read)))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Self::empty();
        for permission in iter {
            set.insert(permission);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn permissions_round_trip_through_text() {
        for permission in PermissionSet::catalogue() {
            assert_eq!(permission.to_string().parse::<Permission>(), Ok(permission));
        }
        assert_eq!(PermissionSet::catalogue().count(), 33);
    }

    #[test]
    fn unknown_permissions_are_refused() {
        for text in [
            "agent",
            "agent:",
            ":read",
            "agent:fly",
            "users:read",
            "Agent:read",
            "",
        ] {
            assert!(text.parse::<Permission>().is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn the_menu_lists_readable_resources_in_sidebar_order() {
        let set: PermissionSet = [
            "settings:read",
            "agent:write",
            "agent:read",
            "management:read",
        ]
        .iter()
        .map(|p| p.parse::<Permission>().expect("known"))
        .collect();
        let menu: Vec<_> = set.menu().collect();
        assert_eq!(
            menu,
            [Resource::Management, Resource::Agent, Resource::Settings]
        );
    }

    fn any_set() -> impl Strategy<Value = PermissionSet> {
        any::<u64>().prop_map(|bits| PermissionSet(bits & PermissionSet::all().0))
    }

    proptest! {
        #[test]
        fn contains_all_is_the_subset_relation(a in any_set(), b in any_set()) {
            let subset = b.iter().all(|p| a.contains(p));
            prop_assert_eq!(a.contains_all(&b), subset);
        }

        #[test]
        fn everything_is_within_all(a in any_set()) {
            prop_assert!(PermissionSet::all().contains_all(&a));
            prop_assert!(a.contains_all(&PermissionSet::empty()));
        }

        #[test]
        fn iteration_rebuilds_the_set(a in any_set()) {
            prop_assert_eq!(a.iter().collect::<PermissionSet>(), a);
        }
    }
}
