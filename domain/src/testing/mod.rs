//! An in-memory implementation of every port, for driving the use cases without a database:
//! the invariants are tested through the very functions the API calls, in microseconds.
//! Enabled in this crate's tests and, for other crates, by the `testing` feature.
//!
//! A transaction works on a copy of its company and writes it back on commit, so a use case
//! that fails half-way leaves nothing behind, as a rolled-back database transaction would.

mod api_keys;
mod auth;
mod groups;
mod idempotency;
mod leads;
#[cfg(test)]
mod model;
mod users;
mod webhooks;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};
use groups::first_version;
use uuid::Uuid;

use crate::auth::{NewAdmin, NewCompany};
use crate::ports::{
    Audit, Commit, Companies, GroupKind, GroupRecord, RoleGrant, SecretHasher, Store,
};

use crate::settings::Settings;
use crate::users::{NewUser, UserDetails, UserRecord};
use crate::{
    Actor, ActorKind, AuditEntry, Candidate, CompanyCode, CompanyName, DomainError, Email, Guard,
    LeadCap, LeadStatus, Mpin, Name, Password, PasswordPolicy, PermissionSet, Version,
};
pub use api_keys::StoredApiKey;
pub use auth::{StoredDevice, StoredSession};

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

/// A user to create: "Asha Rao" at `email` with `role_id`, the password [`SIGN_UP_PASSWORD`],
/// no M-PIN.
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
            external_id: None,
            banned: false,
        },
        password: Some(
            Password::parse(SIGN_UP_PASSWORD, None, PasswordPolicy::default()).expect("password"),
        ),
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
    pub guards: Guards,
}

/// A user's sign-in lockouts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guards {
    pub password: Guard,
    pub mpin: Guard,
}

impl StoredUser {
    fn account(&self, company_id: Uuid) -> crate::auth::Account {
        crate::auth::Account {
            company_id,
            user_id: self.record.id,
            name: self.record.name.clone(),
            email: self.record.email.clone(),
            password_hash: self.password_hash.clone(),
            mpin_hash: self.mpin_hash.clone(),
            banned: self.record.banned,
        }
    }
}

/// A stored lead, with the order it was created in (the pool's "oldest first").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLead {
    pub name: String,
    pub status: LeadStatus,
    pub assignee_id: Option<Uuid>,
    pub created: u128,
    pub version: Version,
}

impl StoredLead {
    /// Gives the lead to `assignee` (or to nobody), raising its version.
    pub(super) fn assign(&mut self, assignee: Option<Uuid>) {
        self.assignee_id = assignee;
        self.version = Version(self.version.0 + 1);
    }
}

/// Everything one company holds.
#[derive(Debug, Clone, Default)]
pub struct Company {
    pub name: String,
    /// The sign-in code.
    pub code: String,
    pub agent_limit: i64,
    /// The subscription's version.
    pub subscription_version: Version,
    pub users: BTreeMap<Uuid, StoredUser>,
    pub roles: BTreeMap<Uuid, RoleGrant>,
    /// Departments and branches, with their names.
    pub groups: BTreeMap<(GroupKind, Uuid), GroupRecord>,
    pub leads: BTreeMap<Uuid, StoredLead>,
    pub settings: Settings,
    /// (job, day) -> leads assigned.
    pub job_runs: BTreeMap<(String, String), u64>,
    /// Users whose sessions were revoked, in order.
    pub signed_out: Vec<Uuid>,
    pub sessions: BTreeMap<Uuid, StoredSession>,
    pub devices: BTreeMap<Uuid, StoredDevice>,
    pub api_keys: BTreeMap<Uuid, StoredApiKey>,
    pub audit: Vec<AuditEntry>,
    pub webhooks: BTreeMap<Uuid, crate::webhooks::WebhookRecord>,
    /// The events recorded by committed changes, in order.
    pub outbox: Vec<crate::webhooks::Event>,
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
    /// The password guards of identities that are no account.
    identities: RefCell<BTreeMap<crate::auth::Identity, Guard>>,
    /// The idempotency keys, by company and key.
    idempotency_keys: RefCell<
        BTreeMap<(Uuid, crate::idempotency::IdempotencyKey), crate::idempotency::KeyRecord>,
    >,
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

/// Sessions of 30 days, idle or not: what the server's defaults give.
pub fn lifetime() -> crate::auth::SessionLifetime {
    crate::auth::SessionLifetime {
        idle: chrono::Duration::days(30),
        max_age: chrono::Duration::days(30),
    }
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
    /// Signs up a company with `agent_limit` seats, whose admin is `admin@example.com`
    /// with [`SIGN_UP_PASSWORD`].
    pub fn sign_up(&self, agent_limit: i64) -> Seeded {
        let code = format!("acme-{}", self.inner.last_id.get() + 1);
        let new = NewCompany {
            name: CompanyName::parse("Acme").expect("name"),
            code: CompanyCode::parse(&code).expect("code"),
            agent_limit: i32::try_from(agent_limit).expect("a small limit"),
            admin: NewAdmin {
                name: Name::parse("Admin").expect("name"),
                email: Email::parse("admin@example.com").expect("email"),
                password_hash: format!("plain:{SIGN_UP_PASSWORD}"),
            },
        };
        let created = run(self.create_company(&new)).expect("a fresh code");
        let roles = self.company(created.company_id).roles;
        let ids: Vec<Uuid> = roles.keys().copied().collect();
        Seeded {
            company_id: created.company_id,
            admin: self.actor(created.company_id, created.admin_id),
            roles: ids.try_into().expect("three default roles"),
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
            version: Version(1),
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
            .insert((kind, id), first_version(id, name));
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
            id: user_id,
            kind: ActorKind::User,
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

impl MemoryTx {
    pub(super) fn user_mut(&mut self, id: Uuid) -> Result<&mut StoredUser, DomainError> {
        self.company.users.get_mut(&id).ok_or(DomainError::NotFound)
    }
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

    async fn verify_password(
        &self,
        candidate: &str,
        hash: Option<&str>,
    ) -> Result<bool, DomainError> {
        Ok(hash.and_then(|h| h.strip_prefix("plain:")) == Some(candidate))
    }

    async fn verify_mpin(&self, candidate: &str, hash: Option<&str>) -> Result<bool, DomainError> {
        Ok(hash.and_then(|h| h.strip_prefix("plain-mpin:")) == Some(candidate))
    }
}
