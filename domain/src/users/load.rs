//! What the user use cases load and check before they write.

use uuid::Uuid;

use crate::ports::{GroupKind, Groups, RoleGrant, Roles, Users};
use crate::{DomainError, rules};

/// The role a request names in `field`, or a 422 on that field.
pub(super) async fn named_role(
    tx: &mut impl Roles,
    id: Uuid,
    field: &str,
) -> Result<RoleGrant, DomainError> {
    tx.role(id)
        .await?
        .ok_or_else(|| DomainError::names_nothing(field))
}

/// The department and branch a request names, each a 422 on its field when it names nothing.
pub(super) async fn require_groups(
    tx: &mut impl Groups,
    department_id: Option<Uuid>,
    branch_id: Option<Uuid>,
) -> Result<(), DomainError> {
    let named = [
        (GroupKind::Department, department_id, "department_id"),
        (GroupKind::Branch, branch_id, "branch_id"),
    ];
    for (kind, id, field) in named {
        if let Some(id) = id
            && !tx.group_exists(kind, id).await?
        {
            return Err(DomainError::names_nothing(field));
        }
    }
    Ok(())
}

/// The last-admin rule for a change that takes an active Company Admin away (a ban, a
/// deletion): counts the active admins only when the change removes one.
pub(super) async fn admin_remains_without(
    tx: &mut impl Users,
    removes_an_active_admin: bool,
) -> Result<(), DomainError> {
    if removes_an_active_admin {
        rules::admins_remain(tx.active_admins().await? - 1)?;
    }
    Ok(())
}
