//! An in-memory implementation of every port, for driving the use cases without a database:
//! the invariants are tested through the very functions the API calls, in microseconds.
//! Enabled in this crate's tests and, for other crates, by the `testing` feature.
//!
//! A transaction works on a copy of its company and writes it back on commit, so a use case
//! that fails half-way leaves nothing behind, as a rolled-back database transaction would.

mod groups;
mod leads;
#[cfg(test)]
mod model;
mod users;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ports::{Audit, Commit, GroupKind, RoleGrant, SecretHasher, Sessions, Store};
use crate::settings::Settings;
use crate::users::{NewUser, UserDetails, UserRecord};
use crate::{
    Actor, AuditEntry, Candidate, DEFAULT_ROLES, DomainError, Email, LeadCap, LeadStatus, Mpin,
    Name, Password, PasswordPolicy, PermissionSet,
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

/// A user to create: "Asha Rao" at `email` with `role_id`, a valid password, no M-PIN.
pub fn new_user(email: &str, role_id: Uuid) -> NewUser {
    NewUser {
        details: UserDetails {
            name: Name::parse("Asha Rao").expect("name"),
            email: Email::parse(email).expect("email"),
            employee_code: None,
            phone: None,
            department_id: None,
            branch_id: None,
            role_id,
            lead_cap: LeadCap::default(),
        },
        password: Password::parse("correct horse battery", None, PasswordPolicy::default())
            .expect("password"),
        mpin: None,
    }
}

/// A stored user: the record the rules read, and the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub record: UserRecord,
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// A stored lead, with the order it was created in (the pool's "oldest first").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLead {
    pub name: String,
    pub status: LeadStatus,
    pub assignee_id: Option<Uuid>,
    pub created: u128,
}

/// Everything one company holds.
#[derive(Debug, Clone, Default)]
pub struct Company {
    pub agent_limit: i64,
    pub users: BTreeMap<Uuid, StoredUser>,
    pub roles: BTreeMap<Uuid, RoleGrant>,
    /// Departments and branches, with their names.
    pub groups: BTreeMap<(GroupKind, Uuid), String>,
    pub leads: BTreeMap<Uuid, StoredLead>,
    pub settings: Settings,
    /// (job, day) -> leads assigned.
    pub job_runs: BTreeMap<(String, String), u64>,
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

    /// Open leads assigned to the user.
    pub fn held(&self, user_id: Uuid) -> i64 {
        let held = self
            .leads
            .values()
            .filter(|l| l.assignee_id == Some(user_id) && l.status.is_open())
            .count();
        i64::try_from(held).unwrap_or(i64::MAX)
    }

    pub(super) fn candidate(&self, user: &StoredUser) -> Candidate<Uuid> {
        Candidate {
            id: user.record.id,
            banned: user.record.banned,
            held: self.held(user.record.id),
            cap: user.record.lead_cap.into(),
            last_assigned_at: user.last_assigned_at,
        }
    }

    fn seats_used(&self) -> i64 {
        i64::try_from(self.users.len()).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    companies: RefCell<BTreeMap<Uuid, Company>>,
    last_id: Cell<u128>,
}

impl Inner {
    pub(super) fn new_id(&self) -> Uuid {
        self.last_id.set(self.last_id.get() + 1);
        Uuid::from_u128(self.last_id.get())
    }
}

/// The whole database, in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Rc<Inner>,
}

/// The signed-up admin's password.
pub const SIGN_UP_PASSWORD: &str = "correct horse battery";

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
            password_hash: format!("plain:{SIGN_UP_PASSWORD}"),
            mpin_hash: None,
            last_assigned_at: None,
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
    pub(super) inner: Rc<Inner>,
    company_id: Uuid,
    pub(super) company: Company,
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

impl Sessions for MemoryTx {
    async fn revoke_sessions(&mut self, user_id: Uuid) -> Result<(), DomainError> {
        self.company.signed_out.push(user_id);
        Ok(())
    }

    async fn revoke_other_sessions(
        &mut self,
        user_id: Uuid,
        _keep: Uuid,
    ) -> Result<(), DomainError> {
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

/// Hashes nothing: a "hash" is the secret behind a prefix, so a test can read what was set.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainHasher;

impl SecretHasher for PlainHasher {
    async fn hash_password(&self, password: &Password) -> Result<String, DomainError> {
        Ok(format!("plain:{}", password.expose()))
    }

    async fn hash_mpin(&self, mpin: &Mpin) -> Result<String, DomainError> {
        Ok(format!("plain-mpin:{}", mpin.expose()))
    }

    async fn verify_password(&self, candidate: &str, hash: &str) -> Result<bool, DomainError> {
        Ok(hash.strip_prefix("plain:") == Some(candidate))
    }
}
