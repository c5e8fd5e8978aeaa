//! An in-memory implementation of every port, for driving the use cases without a database:
//! the invariants are tested through the very functions the API calls, in microseconds.
//! Enabled in this crate's tests and, for other crates, by the `testing` feature.
//!
//! A transaction works on a copy of its company and writes it back on commit, so a use case
//! that fails half-way leaves nothing behind, as a rolled-back database transaction would.

#[cfg(test)]
mod model;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use uuid::Uuid;

use crate::ports::{
    Audit, Commit, GroupKind, GroupRecord, Groups, RoleGrant, Roles, SeatCount, Seats,
    SecretHasher, Sessions, Store, Users,
};
use crate::users::{NewSecrets, NewUserRecord, UserRecord};
use crate::{
    Actor, AuditEntry, DEFAULT_ROLES, DomainError, Mpin, Name, Password, PermissionSet, UniqueField,
};

/// Runs a use case on the in-memory store to its end. Nothing here ever waits, so one poll
/// finishes it; a future that does wait is a bug of this module.
pub fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the in-memory store never waits"),
    }
}

/// A stored user: the record the rules read, and the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub record: UserRecord,
    pub password_hash: String,
    pub mpin_hash: Option<String>,
}

/// Everything one company holds.
#[derive(Debug, Clone, Default)]
pub struct Company {
    pub agent_limit: i64,
    pub users: BTreeMap<Uuid, StoredUser>,
    pub roles: BTreeMap<Uuid, RoleGrant>,
    /// Departments and branches, with their names.
    pub groups: BTreeMap<(GroupKind, Uuid), String>,
    /// Users whose sessions were revoked, in order.
    pub signed_out: Vec<Uuid>,
    pub audit: Vec<AuditEntry>,
}

impl Company {
    /// Users of the system role who are not banned.
    pub fn active_admins(&self) -> i64 {
        let admins = self
            .users
            .values()
            .filter(|u| !u.record.banned && self.roles[&u.record.role_id].system)
            .count();
        i64::try_from(admins).unwrap_or(i64::MAX)
    }

    fn seats_used(&self) -> i64 {
        i64::try_from(self.users.len()).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Default)]
struct Inner {
    companies: RefCell<BTreeMap<Uuid, Company>>,
    last_id: Cell<u128>,
}

impl Inner {
    fn new_id(&self) -> Uuid {
        self.last_id.set(self.last_id.get() + 1);
        Uuid::from_u128(self.last_id.get())
    }
}

/// The whole database, in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Rc<Inner>,
}

/// A company as sign-up leaves it: the three default roles and one Company Admin.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub company_id: Uuid,
    /// The signed-up Company Admin.
    pub admin: Actor,
    /// Company Admin, Manager and Agent, in that order.
    pub roles: [Uuid; 3],
}

impl MemoryStore {
    /// Signs up a company with `agent_limit` seats.
    pub fn sign_up(&self, agent_limit: i64) -> Seeded {
        let company_id = self.inner.new_id();
        let mut company = Company {
            agent_limit,
            ..Company::default()
        };
        let roles = DEFAULT_ROLES.map(|default| {
            let id = self.inner.new_id();
            let grant = RoleGrant {
                id,
                name: default.name.to_owned(),
                system: default.system,
                permissions: default.permissions(),
            };
            company.roles.insert(id, grant);
            id
        });
        let admin_id = self.inner.new_id();
        let admin = StoredUser {
            record: UserRecord {
                id: admin_id,
                name: "Admin".into(),
                email: "admin@example.com".into(),
                employee_code: None,
                phone: None,
                department_id: None,
                branch_id: None,
                role_id: roles[0],
                lead_cap: 0,
                banned: false,
            },
            password_hash: "signed-up".into(),
            mpin_hash: None,
        };
        company.users.insert(admin_id, admin);
        self.inner
            .companies
            .borrow_mut()
            .insert(company_id, company);
        Seeded {
            company_id,
            admin: self.actor(company_id, admin_id),
            roles,
        }
    }

    /// A role of the company granting `permissions` (never the system role).
    pub fn add_role(&self, company_id: Uuid, name: &str, permissions: PermissionSet) -> Uuid {
        let id = self.inner.new_id();
        let grant = RoleGrant {
            id,
            name: name.to_owned(),
            system: false,
            permissions,
        };
        self.inner
            .companies
            .borrow_mut()
            .entry(company_id)
            .or_default()
            .roles
            .insert(id, grant);
        id
    }

    /// A department or branch of the company.
    pub fn add_group(&self, company_id: Uuid, kind: GroupKind, name: &str) -> Uuid {
        let id = self.inner.new_id();
        self.inner
            .companies
            .borrow_mut()
            .entry(company_id)
            .or_default()
            .groups
            .insert((kind, id), name.to_owned());
        id
    }

    /// What the company holds now (committed changes only).
    pub fn company(&self, company_id: Uuid) -> Company {
        self.inner.companies.borrow()[&company_id].clone()
    }

    /// A user of the company acting with their role's permissions, as the API's extractor
    /// would load them.
    pub fn actor(&self, company_id: Uuid, user_id: Uuid) -> Actor {
        let company = self.company(company_id);
        let user = &company.users[&user_id].record;
        Actor {
            company_id,
            user_id,
            name: user.name.clone(),
            permissions: company.roles[&user.role_id].permissions,
            ip: None,
        }
    }
}

impl Store for MemoryStore {
    type Tx = MemoryTx;

    async fn begin(&self, company_id: Uuid) -> Result<MemoryTx, DomainError> {
        let company = self
            .inner
            .companies
            .borrow()
            .get(&company_id)
            .cloned()
            .ok_or(DomainError::NotFound)?;
        Ok(MemoryTx {
            inner: Rc::clone(&self.inner),
            company_id,
            company,
        })
    }
}

/// A transaction: a copy of one company, written back on commit.
#[derive(Debug)]
pub struct MemoryTx {
    inner: Rc<Inner>,
    company_id: Uuid,
    company: Company,
}

impl Commit for MemoryTx {
    async fn commit(self) -> Result<(), DomainError> {
        self.inner
            .companies
            .borrow_mut()
            .insert(self.company_id, self.company);
        Ok(())
    }
}

impl Seats for MemoryTx {
    async fn lock_seats(&mut self) -> Result<SeatCount, DomainError> {
        Ok(SeatCount {
            used: self.company.seats_used(),
            limit: self.company.agent_limit,
        })
    }

    async fn set_agent_limit(&mut self, limit: i64) -> Result<(), DomainError> {
        self.company.agent_limit = limit;
        Ok(())
    }
}

impl Users for MemoryTx {
    async fn lock_user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        Ok(self.company.users.get(&id).map(|u| u.record.clone()))
    }

    async fn active_admins(&mut self) -> Result<i64, DomainError> {
        Ok(self.company.active_admins())
    }

    async fn insert_user(&mut self, new: NewUserRecord) -> Result<Uuid, DomainError> {
        let id = self.inner.new_id();
        let details = new.details;
        let record = UserRecord {
            id,
            name: details.name.into_inner(),
            email: details.email.into_inner(),
            employee_code: details.employee_code.map(|c| c.into_inner()),
            phone: details.phone.map(|p| p.into_inner()),
            department_id: details.department_id,
            branch_id: details.branch_id,
            role_id: details.role_id,
            lead_cap: details.lead_cap.get(),
            banned: false,
        };
        self.unique(&record)?;
        let user = StoredUser {
            record,
            password_hash: new.password_hash,
            mpin_hash: new.mpin_hash,
        };
        self.company.users.insert(id, user);
        Ok(id)
    }

    async fn save_user(
        &mut self,
        record: &UserRecord,
        secrets: NewSecrets,
    ) -> Result<(), DomainError> {
        self.unique(record)?;
        let user = self
            .company
            .users
            .get_mut(&record.id)
            .ok_or(DomainError::NotFound)?;
        user.record = record.clone();
        if let Some(hash) = secrets.password_hash {
            user.password_hash = hash;
        }
        if secrets.mpin_hash.is_some() {
            user.mpin_hash = secrets.mpin_hash;
        }
        Ok(())
    }

    async fn delete_user(&mut self, id: Uuid) -> Result<(), DomainError> {
        self.company.users.remove(&id);
        Ok(())
    }
}

impl MemoryTx {
    fn count_users(&self, which: impl Fn(&UserRecord) -> bool) -> i64 {
        let count = self
            .company
            .users
            .values()
            .filter(|u| which(&u.record))
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    /// The unique indexes: email, and employee code where there is one.
    fn unique(&self, record: &UserRecord) -> Result<(), DomainError> {
        let others = self
            .company
            .users
            .values()
            .filter(|u| u.record.id != record.id);
        for other in others {
            if other.record.email == record.email {
                return Err(DomainError::Conflict(UniqueField::Email));
            }
            if record.employee_code.is_some() && other.record.employee_code == record.employee_code
            {
                return Err(DomainError::Conflict(UniqueField::EmployeeCode));
            }
        }
        Ok(())
    }
}

impl Roles for MemoryTx {
    async fn role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        Ok(self.company.roles.get(&id).cloned())
    }

    async fn lock_role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError> {
        self.role(id).await
    }

    async fn role_holders(&mut self, id: Uuid) -> Result<i64, DomainError> {
        Ok(self.count_users(|u| u.role_id == id))
    }

    async fn insert_role(
        &mut self,
        name: &Name,
        permissions: PermissionSet,
    ) -> Result<Uuid, DomainError> {
        let taken = self.company.roles.values().map(|r| r.name.as_str());
        unique_name(taken, name)?;
        let id = self.inner.new_id();
        let grant = RoleGrant {
            id,
            name: name.as_str().to_owned(),
            system: false,
            permissions,
        };
        self.company.roles.insert(id, grant);
        Ok(id)
    }

    async fn save_role(
        &mut self,
        id: Uuid,
        name: Option<&Name>,
        permissions: Option<PermissionSet>,
    ) -> Result<(), DomainError> {
        if let Some(name) = name {
            let others = self.company.roles.values().filter(|r| r.id != id);
            unique_name(others.map(|r| r.name.as_str()), name)?;
        }
        let role = self
            .company
            .roles
            .get_mut(&id)
            .ok_or(DomainError::NotFound)?;
        if let Some(name) = name {
            role.name = name.as_str().to_owned();
        }
        if let Some(permissions) = permissions {
            role.permissions = permissions;
        }
        Ok(())
    }

    async fn delete_role(&mut self, id: Uuid) -> Result<(), DomainError> {
        self.company.roles.remove(&id);
        Ok(())
    }
}

impl Groups for MemoryTx {
    async fn group_exists(&mut self, kind: GroupKind, id: Uuid) -> Result<bool, DomainError> {
        Ok(self.company.groups.contains_key(&(kind, id)))
    }

    async fn lock_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<Option<GroupRecord>, DomainError> {
        let name = self.company.groups.get(&(kind, id));
        Ok(name.map(|name| GroupRecord {
            id,
            name: name.clone(),
        }))
    }

    async fn group_members(&mut self, kind: GroupKind, id: Uuid) -> Result<i64, DomainError> {
        Ok(self.count_users(|u| match kind {
            GroupKind::Department => u.department_id == Some(id),
            GroupKind::Branch => u.branch_id == Some(id),
        }))
    }

    async fn insert_group(&mut self, kind: GroupKind, name: &Name) -> Result<Uuid, DomainError> {
        let same_kind = self.company.groups.iter().filter(|((k, _), _)| *k == kind);
        unique_name(same_kind.map(|(_, n)| n.as_str()), name)?;
        let id = self.inner.new_id();
        self.company
            .groups
            .insert((kind, id), name.as_str().to_owned());
        Ok(id)
    }

    async fn rename_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
        name: &Name,
    ) -> Result<(), DomainError> {
        let others = self
            .company
            .groups
            .iter()
            .filter(|((k, other), _)| *k == kind && *other != id);
        unique_name(others.map(|(_, n)| n.as_str()), name)?;
        self.company
            .groups
            .insert((kind, id), name.as_str().to_owned());
        Ok(())
    }

    async fn delete_group(&mut self, kind: GroupKind, id: Uuid) -> Result<(), DomainError> {
        self.company.groups.remove(&(kind, id));
        Ok(())
    }
}

/// Names of roles and groups are unique per company and kind, case-insensitively.
fn unique_name<'a>(
    mut taken: impl Iterator<Item = &'a str>,
    name: &Name,
) -> Result<(), DomainError> {
    let wanted = name.as_str().to_lowercase();
    if taken.any(|t| t.to_lowercase() == wanted) {
        Err(DomainError::Conflict(UniqueField::Name))
    } else {
        Ok(())
    }
}

impl Sessions for MemoryTx {
    async fn revoke_sessions(&mut self, user_id: Uuid) -> Result<(), DomainError> {
        self.company.signed_out.push(user_id);
        Ok(())
    }
}

impl Audit for MemoryTx {
    async fn record(&mut self, _actor: &Actor, entry: AuditEntry) -> Result<(), DomainError> {
        self.company.audit.push(entry);
        Ok(())
    }
}

/// Hashes nothing: a "hash" names the secret's kind and length, enough to tell a reset
/// happened without keeping a secret in test output.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainHasher;

impl SecretHasher for PlainHasher {
    async fn hash_password(&self, password: &Password) -> Result<String, DomainError> {
        Ok(format!("password of {} chars", password.expose().len()))
    }

    async fn hash_mpin(&self, mpin: &Mpin) -> Result<String, DomainError> {
        Ok(format!("mpin of {} digits", mpin.expose().len()))
    }
}
