//! Creating, changing and deleting users, each in one transaction that holds the company
//! lock while it checks the invariants (seats, last admin, no escalation, not yourself).

use chrono::{DateTime, Utc};
use domain::{Email, EmployeeCode, LeadCap, Name, Phone, rules};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{lead, session, user};
use crate::lookup::{
    RoleGrant, active_admins, agent_limit, named_role, require_group, role_grant, seats_used,
};
use crate::write::{ActingUser, AuditEntry, AuditTarget, lock_company, record};
use crate::{StoreError, Tenant, UniqueField};

const UNIQUE_USER_FIELDS: &[(UniqueField, &str)] = &[
    (UniqueField::Email, "email"),
    (UniqueField::EmployeeCode, "employee_code"),
];

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: Name,
    pub email: Email,
    pub employee_code: Option<EmployeeCode>,
    pub phone: Option<Phone>,
    pub department_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub role_id: Uuid,
    /// argon2id PHC strings, hashed by the caller.
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub lead_cap: LeadCap,
}

/// A partial change: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<Name>,
    pub email: Option<Email>,
    pub employee_code: Option<Option<EmployeeCode>>,
    pub phone: Option<Option<Phone>>,
    pub department_id: Option<Option<Uuid>>,
    pub branch_id: Option<Option<Uuid>>,
    pub role_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub mpin_hash: Option<String>,
    pub lead_cap: Option<LeadCap>,
    pub banned: Option<bool>,
}

impl Tenant<'_> {
    pub async fn create_user(&self, actor: &ActingUser, new: NewUser) -> Result<Uuid, StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let role = named_role(&txn, self.company_id, new.role_id, "role_id").await?;
        self.require_groups(&txn, new.department_id, new.branch_id)
            .await?;
        rules::within_actor(&actor.permissions, &role.permissions)?;
        let used = seats_used(&txn, self.company_id).await?;
        rules::seat_available(used, agent_limit(&txn, self.company_id).await?)?;

        let id = Uuid::now_v7();
        let name = new.name.as_str().to_owned();
        user::Entity::insert(new_user_row(self.company_id, id, new, Utc::now()))
            .exec(&txn)
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_USER_FIELDS))?;
        let target = AuditTarget {
            kind: "user",
            id,
            name,
        };
        let entry = AuditEntry {
            action: "user.created",
            target: Some(target),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn update_user(
        &self,
        actor: &ActingUser,
        id: Uuid,
        patch: UserPatch,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let (current, current_role) = self.lock_user(&txn, id).await?;
        if let Some(role_id) = patch.role_id {
            let new_role = named_role(&txn, self.company_id, role_id, "role_id").await?;
            rules::within_actor(&actor.permissions, &new_role.permissions)?;
        }
        self.require_groups(
            &txn,
            patch.department_id.flatten(),
            patch.branch_id.flatten(),
        )
        .await?;
        rules::within_actor(&actor.permissions, &current_role.permissions)?;
        let bans = patch.banned == Some(true) && !current.banned;
        if bans {
            rules::not_self(&actor.user_id, &id)?;
            if current_role.role.system {
                rules::admins_remain(active_admins(&txn, self.company_id).await? - 1)?;
            }
        }

        let (changed, changes) = apply(current.clone(), patch);
        if changes.is_empty() {
            return Ok(txn.commit().await?);
        }
        let mut changed: user::ActiveModel = changed;
        changed.updated_at = Set(Utc::now());
        changed
            .update(&txn)
            .await
            .map_err(|err| StoreError::from_write(err, UNIQUE_USER_FIELDS))?;
        if changes.iter().any(|c| matches!(*c, "password" | "mpin")) {
            revoke_user_sessions(&txn, self.company_id, id).await?;
        }
        self.audit_user_changes(&txn, actor, &current, changes)
            .await?;
        Ok(txn.commit().await?)
    }

    pub async fn delete_user(&self, actor: &ActingUser, id: Uuid) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let (current, role) = self.lock_user(&txn, id).await?;
        rules::within_actor(&actor.permissions, &role.permissions)?;
        rules::not_self(&actor.user_id, &id)?;
        if role.role.system && !current.banned {
            rules::admins_remain(active_admins(&txn, self.company_id).await? - 1)?;
        }
        // Their leads, open or closed, go back to the unassigned pool.
        lead::Entity::update_many()
            .col_expr(lead::Column::AssigneeId, Expr::value(Option::<Uuid>::None))
            .col_expr(
                lead::Column::AssignedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(lead::Column::CompanyId.eq(self.company_id))
            .filter(lead::Column::AssigneeId.eq(id))
            .exec(&txn)
            .await?;
        // Sessions and devices go with the user (ON DELETE CASCADE): its tokens stop at once.
        user::Entity::delete_by_id((self.company_id, id))
            .exec(&txn)
            .await?;
        let target = AuditTarget {
            kind: "user",
            id,
            name: current.name,
        };
        let entry = AuditEntry {
            action: "user.deleted",
            target: Some(target),
            changes: Vec::new(),
        };
        record(&txn, self.company_id, actor, entry).await?;
        Ok(txn.commit().await?)
    }

    /// Takes the company lock, then loads the user a change is about and its role.
    async fn lock_user(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<(user::Model, RoleGrant), StoreError> {
        lock_company(txn, self.company_id).await?;
        let user = user::Entity::find_by_id((self.company_id, id))
            .one(txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let role = role_grant(txn, self.company_id, user.role_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((user, role))
    }

    async fn require_groups(
        &self,
        txn: &DatabaseTransaction,
        department_id: Option<Uuid>,
        branch_id: Option<Uuid>,
    ) -> Result<(), StoreError> {
        if let Some(id) = department_id {
            require_group(txn, "departments", self.company_id, id, "department_id").await?;
        }
        if let Some(id) = branch_id {
            require_group(txn, "branches", self.company_id, id, "branch_id").await?;
        }
        Ok(())
    }

    /// A ban or unban is an event of its own; every other change is one `user.updated`.
    async fn audit_user_changes(
        &self,
        txn: &DatabaseTransaction,
        actor: &ActingUser,
        before: &user::Model,
        mut changes: Vec<&'static str>,
    ) -> Result<(), StoreError> {
        let target = || {
            Some(AuditTarget {
                kind: "user",
                id: before.id,
                name: before.name.clone(),
            })
        };
        if let Some(at) = changes.iter().position(|c| *c == "banned") {
            changes.remove(at);
            let action = if before.banned {
                "user.unbanned"
            } else {
                "user.banned"
            };
            record(
                txn,
                self.company_id,
                actor,
                AuditEntry {
                    action,
                    target: target(),
                    changes: Vec::new(),
                },
            )
            .await?;
        }
        if !changes.is_empty() {
            let entry = AuditEntry {
                action: "user.updated",
                target: target(),
                changes,
            };
            record(txn, self.company_id, actor, entry).await?;
        }
        Ok(())
    }
}

/// Applies a patch, returning the changed model and the names of the fields whose value
/// actually changed (secrets count as changed whenever they are set).
fn apply(current: user::Model, patch: UserPatch) -> (user::ActiveModel, Vec<&'static str>) {
    let mut changes = Vec::new();
    let mut model: user::ActiveModel = current.clone().into();
    macro_rules! set_if_changed {
        ($field:ident, $value:expr, $name:literal) => {
            if let Some(value) = $value {
                if current.$field != value {
                    model.$field = Set(value);
                    changes.push($name);
                }
            }
        };
    }
    set_if_changed!(name, patch.name.map(Name::into_inner), "name");
    set_if_changed!(email, patch.email.map(Email::into_inner), "email");
    set_if_changed!(
        employee_code,
        patch.employee_code.map(|c| c.map(EmployeeCode::into_inner)),
        "employee_code"
    );
    set_if_changed!(
        phone,
        patch.phone.map(|p| p.map(Phone::into_inner)),
        "phone"
    );
    set_if_changed!(department_id, patch.department_id, "department_id");
    set_if_changed!(branch_id, patch.branch_id, "branch_id");
    set_if_changed!(role_id, patch.role_id, "role_id");
    set_if_changed!(lead_cap, patch.lead_cap.map(LeadCap::get), "lead_cap");
    set_if_changed!(banned, patch.banned, "banned");
    let searchable = ["name", "email", "employee_code", "phone"];
    if changes.iter().any(|c| searchable.contains(c)) {
        // The model holds every field (it came from a loaded row): these read the final values.
        let name = model.name.try_as_ref().unwrap_or(&current.name);
        let email = model.email.try_as_ref().unwrap_or(&current.email);
        let phone = model.phone.try_as_ref().unwrap_or(&current.phone);
        let code = model
            .employee_code
            .try_as_ref()
            .unwrap_or(&current.employee_code);
        let keys = SearchKeys::of(name, email, phone.as_deref(), code.as_deref());
        model.name_key = Set(keys.name_key);
        model.search_text = Set(keys.search_text);
    }
    // An admin reset of a secret also lifts its lockout.
    if let Some(hash) = patch.password_hash {
        model.password_hash = Set(hash);
        model.failed_logins = Set(0);
        model.locked_until = Set(None);
        changes.push("password");
    }
    if let Some(hash) = patch.mpin_hash {
        model.mpin_hash = Set(Some(hash));
        model.failed_mpins = Set(0);
        changes.push("mpin");
    }
    (model, changes)
}

/// Ends every session of a user: an admin reset of a password or M-PIN signs them out.
async fn revoke_user_sessions(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::CompanyId.eq(company_id))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// A new user's row: the one place that fills in derived columns (sort key, search text)
/// and the defaults of the state a user starts with (not banned, no lockouts, no leads).
pub(crate) fn new_user_row(
    company_id: Uuid,
    id: Uuid,
    new: NewUser,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    let name = new.name.into_inner();
    let email = new.email.into_inner();
    let employee_code = new.employee_code.map(EmployeeCode::into_inner);
    let phone = new.phone.map(Phone::into_inner);
    let keys = SearchKeys::of(&name, &email, phone.as_deref(), employee_code.as_deref());
    user::ActiveModel {
        company_id: Set(company_id),
        id: Set(id),
        name: Set(name),
        name_key: Set(keys.name_key),
        search_text: Set(keys.search_text),
        email: Set(email),
        employee_code: Set(employee_code),
        phone: Set(phone),
        department_id: Set(new.department_id),
        branch_id: Set(new.branch_id),
        role_id: Set(new.role_id),
        password_hash: Set(new.password_hash),
        mpin_hash: Set(new.mpin_hash),
        lead_cap: Set(new.lead_cap.get()),
        banned: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        failed_mpins: Set(0),
        last_assigned_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The columns derived from a user's searchable fields.
struct SearchKeys {
    pub name_key: String,
    pub search_text: String,
}

impl SearchKeys {
    /// Fields are joined by a unit separator (U+001F), which no parsed field contains, so a
    /// search never matches across two fields.
    fn of(name: &str, email: &str, phone: Option<&str>, employee_code: Option<&str>) -> Self {
        let fields = [Some(name), Some(email), phone, employee_code];
        let search_text = fields
            .iter()
            .flatten()
            .map(|f| f.to_lowercase())
            .collect::<Vec<_>>()
            .join("\u{1f}");
        Self {
            name_key: name.to_lowercase(),
            search_text,
        }
    }
}
