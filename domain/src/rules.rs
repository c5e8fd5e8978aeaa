//! The admin console's invariants, as pure functions of the state they read. Persistence
//! runs each inside one transaction that first locks what the rule reads (the company's
//! row), so concurrent requests on several replicas cannot both pass.

use crate::{Invalid, PermissionSet};

/// An invariant a change would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    /// Every seat of the subscription is taken.
    #[error("all {limit} seats of the subscription are in use")]
    AgentLimitReached { limit: i64 },
    /// The change would leave the company without an active Company Admin.
    #[error("the company would have no active Company Admin")]
    LastAdmin,
    /// Banning or deleting yourself.
    #[error("you cannot do this to yourself")]
    SelfAction,
    /// The actor would grant or touch more than it holds.
    #[error("the change would escalate privileges")]
    Escalation,
    /// The system Company Admin role is fixed.
    #[error("the system role cannot be changed")]
    SystemRole,
    /// Users still reference the record.
    #[error("{users} user(s) still reference it")]
    InUse { users: i64 },
    /// What only a signed-in person may do to their own account, asked with an API key.
    #[error("an API key has no account of its own")]
    PeopleOnly,
}

/// A banned user presented the right secret: they may not sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the user is banned")]
pub struct Banned;

/// The ban's sign-in rule: a banned user signs in neither on the web (password) nor on mobile
/// (M-PIN), even with the right secret. (The rest of what a ban does: their sessions stop at
/// the next request, they keep their seat and their leads and get no new lead, see
/// [`crate::may_receive_lead`].)
pub fn may_sign_in(banned: bool) -> Result<(), Banned> {
    if banned { Err(Banned) } else { Ok(()) }
}

/// A new user takes a seat: allowed while `used < limit`. Banned users hold seats too.
pub fn seat_available(used: i64, limit: i64) -> Result<(), RuleViolation> {
    if used < limit {
        Ok(())
    } else {
        Err(RuleViolation::AgentLimitReached { limit })
    }
}

/// At least one active (not banned) Company Admin must remain after a change.
pub fn admins_remain(active_admins_after: i64) -> Result<(), RuleViolation> {
    if active_admins_after >= 1 {
        Ok(())
    } else {
        Err(RuleViolation::LastAdmin)
    }
}

/// The no-escalation rule (as Kubernetes RBAC has it): an actor may only grant, or act on a
/// holder of, permissions it holds itself.
pub fn within_actor(actor: &PermissionSet, target: &PermissionSet) -> Result<(), RuleViolation> {
    if actor.contains_all(target) {
        Ok(())
    } else {
        Err(RuleViolation::Escalation)
    }
}

/// A role may be changed or deleted when it is not the system role and grants nothing the
/// actor lacks.
pub fn role_editable(
    actor: &PermissionSet,
    system: bool,
    grants: &PermissionSet,
) -> Result<(), RuleViolation> {
    if system {
        return Err(RuleViolation::SystemRole);
    }
    within_actor(actor, grants)
}

/// Banning or deleting yourself is refused: it is never what an admin means to do.
pub fn not_self<T: PartialEq>(actor: &T, target: &T) -> Result<(), RuleViolation> {
    if actor == target {
        Err(RuleViolation::SelfAction)
    } else {
        Ok(())
    }
}

/// A role, department or branch can only be deleted when nobody holds it.
pub fn unused(users: i64) -> Result<(), RuleViolation> {
    if users == 0 {
        Ok(())
    } else {
        Err(RuleViolation::InUse { users })
    }
}

/// The subscription's new limit must cover the seats already taken.
pub fn limit_covers_seats(new_limit: i64, used: i64) -> Result<(), Invalid> {
    if new_limit >= used {
        Ok(())
    } else {
        let message = format!("below the {used} seats in use");
        Err(Invalid::new("below_seats_used", message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_ROLES;
    use proptest::prelude::*;

    #[test]
    fn the_last_seat_can_be_taken_and_no_more() {
        assert_eq!(seat_available(4, 5), Ok(()));
        assert_eq!(
            seat_available(5, 5),
            Err(RuleViolation::AgentLimitReached { limit: 5 })
        );
        assert_eq!(
            seat_available(6, 5),
            Err(RuleViolation::AgentLimitReached { limit: 5 })
        );
    }

    #[test]
    fn a_banned_user_may_not_sign_in() {
        assert_eq!(may_sign_in(false), Ok(()));
        assert_eq!(may_sign_in(true), Err(Banned));
    }

    #[test]
    fn one_admin_must_remain() {
        assert_eq!(admins_remain(1), Ok(()));
        assert_eq!(admins_remain(0), Err(RuleViolation::LastAdmin));
    }

    #[test]
    fn a_manager_cannot_hand_out_the_admin_role() {
        let [admin, manager, agent] = DEFAULT_ROLES.map(|r| r.permissions());
        assert_eq!(within_actor(&manager, &agent), Ok(()));
        assert_eq!(within_actor(&manager, &manager), Ok(()));
        assert_eq!(
            within_actor(&manager, &admin),
            Err(RuleViolation::Escalation)
        );
    }

    #[test]
    fn only_ordinary_roles_within_the_actor_are_editable() {
        let [admin, manager, agent] = DEFAULT_ROLES.map(|r| r.permissions());
        assert_eq!(
            role_editable(&admin, true, &admin),
            Err(RuleViolation::SystemRole)
        );
        assert_eq!(role_editable(&manager, false, &agent), Ok(()));
        assert_eq!(
            role_editable(&agent, false, &manager),
            Err(RuleViolation::Escalation)
        );
    }

    #[test]
    fn self_and_in_use_rules() {
        assert_eq!(not_self(&1, &1), Err(RuleViolation::SelfAction));
        assert_eq!(not_self(&1, &2), Ok(()));
        assert_eq!(unused(0), Ok(()));
        assert_eq!(unused(3), Err(RuleViolation::InUse { users: 3 }));
        assert!(limit_covers_seats(5, 5).is_ok());
        assert_eq!(
            limit_covers_seats(4, 5).map_err(|e| e.code),
            Err("below_seats_used")
        );
    }

    proptest! {
        #[test]
        fn seats_never_exceed_the_limit(limit in 0i64..50, attempts in 0usize..100) {
            let mut used = 0;
            for _ in 0..attempts {
                if seat_available(used, limit).is_ok() {
                    used += 1;
                }
            }
            prop_assert!(used <= limit);
            prop_assert_eq!(used, limit.min(attempts as i64));
        }
    }
}
