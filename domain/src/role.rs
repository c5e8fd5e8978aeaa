use crate::{Action, Permission, PermissionSet, Resource};

/// A role every new company starts with.
#[derive(Debug, Clone, Copy)]
pub struct DefaultRole {
    pub name: &'static str,
    /// The system role cannot be edited or deleted.
    pub system: bool,
    grants: &'static [(Resource, &'static [Action])],
}

impl DefaultRole {
    pub fn permissions(&self) -> PermissionSet {
        if self.system {
            return PermissionSet::all();
        }
        self.grants
            .iter()
            .flat_map(|(resource, actions)| actions.iter().map(|a| Permission::new(*resource, *a)))
            .collect()
    }
}

/// What a role grants: the system Company Admin role holds the whole catalogue by
/// construction (a resource added to the catalogue reaches every company's admins with no
/// data migration); any other role holds what was granted to it.
pub fn role_permissions(system: bool, granted: PermissionSet) -> PermissionSet {
    if system {
        PermissionSet::all()
    } else {
        granted
    }
}

const RWD: &[Action] = &[Action::Read, Action::Write, Action::Delete];
const RW: &[Action] = &[Action::Read, Action::Write];
const R: &[Action] = &[Action::Read];

/// Company Admin (system, every permission), Manager and Agent, in that order.
pub const DEFAULT_ROLES: [DefaultRole; 3] = [
    DefaultRole {
        name: "Company Admin",
        system: true,
        grants: &[],
    },
    DefaultRole {
        name: "Manager",
        system: false,
        grants: &[
            (Resource::Management, RWD),
            (Resource::Task, RWD),
            (Resource::Agent, RW),
            (Resource::Department, R),
            (Resource::Branch, R),
            (Resource::Role, R),
            (Resource::Campaign, RW),
            (Resource::Workflow, R),
            (Resource::Reports, R),
        ],
    },
    DefaultRole {
        name: "Agent",
        system: false,
        grants: &[(Resource::Management, RW), (Resource::Task, RW)],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_role_holds_the_catalogue_whatever_is_stored() {
        let stored = DEFAULT_ROLES[2].permissions();
        assert_eq!(
            role_permissions(true, PermissionSet::empty()),
            PermissionSet::all()
        );
        assert_eq!(role_permissions(true, stored), PermissionSet::all());
        assert_eq!(role_permissions(false, stored), stored);
    }

    #[test]
    fn the_default_roles_nest() {
        let [admin, manager, agent] = DEFAULT_ROLES.map(|r| r.permissions());
        assert_eq!(admin, PermissionSet::all());
        assert!(admin.contains_all(&manager));
        assert!(manager.contains_all(&agent));
        assert!(!agent.contains_all(&manager));
        assert_eq!(manager.iter().count(), 3 + 3 + 2 + 1 + 1 + 1 + 2 + 1 + 1);
        assert_eq!(
            agent.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            [
                "management:read",
                "management:write",
                "task:read",
                "task:write"
            ]
        );
    }
}
