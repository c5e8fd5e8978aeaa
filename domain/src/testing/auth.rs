//! The in-memory accounts, lockouts, devices and sessions.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Company, Guards, Inner, MemoryStore, MemoryTx, StoredUser};
use crate::auth::{
    Account, Device, DeviceRecord, Identity, NewCompany, NewDevice, NewSession, SessionState,
    SignedUpCompany,
};
use crate::ports::{
    Accounts, Commit, Companies, Devices, Housekeeping, IdentityGuard, IdentityGuards, Lockouts,
    RoleGrant, Sessions,
};
use crate::users::UserRecord;
use crate::{CompanyCode, DEFAULT_ROLES, DomainError, Email, Guard, Secret, UniqueField, Version};

/// A session and where its refresh token stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub user_id: Uuid,
    pub signed_in_at: DateTime<Utc>,
    pub device_id: Option<Uuid>,
    pub generation: i64,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

impl StoredSession {
    fn live(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at > now
    }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDevice {
    pub user_id: Uuid,
    pub name: String,
    pub token_hash: String,
    pub last_used_at: DateTime<Utc>,
}

impl MemoryStore {
    /// Bans the user outright (no rule asked): a state to start a sign-in test from.
    pub fn set_banned(&self, company_id: Uuid, user_id: Uuid) {
        let mut companies = self.inner.companies.borrow_mut();
        if let Some(user) = companies
            .get_mut(&company_id)
            .and_then(|company| company.users.get_mut(&user_id))
        {
            user.record.banned = true;
        }
    }
}

impl MemoryStore {
    /// Registers a device for the user, as a password sign-in with a device name does.
    pub fn add_device(&self, company_id: Uuid, user_id: Uuid) -> Uuid {
        let id = self.inner.new_id();
        let device = StoredDevice {
            user_id,
            name: "Pixel".into(),
            token_hash: format!("token-{}", id.as_u128()),
            last_used_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let mut companies = self.inner.companies.borrow_mut();
        if let Some(company) = companies.get_mut(&company_id) {
            company.devices.insert(id, device);
        }
        id
    }
}

impl Accounts for MemoryStore {
    async fn find_account(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Option<Account>, DomainError> {
        let companies = self.inner.companies.borrow();
        Ok(companies
            .iter()
            .filter(|(_, company)| company.code == code.as_str())
            .flat_map(|(id, company)| company.users.values().map(move |user| (*id, user)))
            .find(|(_, user)| user.record.email == email.as_str())
            .map(|(company_id, user)| user.account(company_id)))
    }

    async fn find_device_account(
        &self,
        code: &CompanyCode,
        email: &Email,
        token_hash: &str,
    ) -> Result<Option<(Account, Device)>, DomainError> {
        let Some(account) = self.find_account(code, email).await? else {
            return Ok(None);
        };
        let companies = self.inner.companies.borrow();
        let devices = &companies[&account.company_id].devices;
        let device = devices
            .iter()
            .find(|(_, d)| d.user_id == account.user_id && d.token_hash == token_hash)
            .map(|(id, d)| Device {
                id: *id,
                name: d.name.clone(),
            });
        Ok(device.map(|device| (account, device)))
    }
}

/// A transaction on one identity's guard: a copy, written back on commit.
pub struct MemoryIdentityTx {
    inner: std::rc::Rc<Inner>,
    identity: Identity,
    guard: Guard,
}

impl IdentityGuards for MemoryStore {
    type GuardTx = MemoryIdentityTx;

    async fn begin_identity(&self, identity: &Identity) -> Result<MemoryIdentityTx, DomainError> {
        let guard = self.inner.identities.borrow().get(identity).copied();
        Ok(MemoryIdentityTx {
            inner: self.inner.clone(),
            identity: identity.clone(),
            guard: guard.unwrap_or_default(),
        })
    }
}

impl IdentityGuard for MemoryIdentityTx {
    async fn lock_identity_guard(&mut self) -> Result<Guard, DomainError> {
        Ok(self.guard)
    }

    async fn save_identity_guard(&mut self, guard: Guard) -> Result<(), DomainError> {
        self.guard = guard;
        Ok(())
    }
}

impl Commit for MemoryIdentityTx {
    async fn commit(self) -> Result<(), DomainError> {
        let mut identities = self.inner.identities.borrow_mut();
        identities.insert(self.identity, self.guard);
        Ok(())
    }
}

impl MemoryStore {
    /// The guard kept for an identity that is no account, if any.
    pub fn identity_guard(&self, identity: &Identity) -> Option<Guard> {
        self.inner.identities.borrow().get(identity).copied()
    }
}

impl Housekeeping for MemoryStore {
    async fn purge_sessions(
        &self,
        ended_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        // The memory keeps no revocation time: a revoked session counts as ended long ago.
        let mut purged = 0;
        for company in self.inner.companies.borrow_mut().values_mut() {
            company.sessions.retain(|_, s| {
                let purge = (s.revoked || s.expires_at < ended_before) && purged < limit;
                purged += u64::from(purge);
                !purge
            });
        }
        Ok(purged)
    }

    async fn purge_identity_guards(
        &self,
        forgotten_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        let mut purged = 0;
        self.inner.identities.borrow_mut().retain(|_, guard| {
            let purge =
                guard.last_failure.is_some_and(|at| at < forgotten_before) && purged < limit;
            purged += u64::from(purge);
            !purge
        });
        Ok(purged)
    }

    async fn purge_idempotency_keys(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError> {
        let mut purged = 0;
        self.inner
            .idempotency_keys
            .borrow_mut()
            .retain(|_, stored| {
                let purge = stored.created_at < older_than && purged < limit;
                purged += u64::from(purge);
                !purge
            });
        Ok(purged)
    }

    /// The memory's outbox records what the use cases decide, not when: none of its events
    /// is ever old enough to purge.
    async fn purge_webhook_events(
        &self,
        _older_than: DateTime<Utc>,
        _limit: u64,
    ) -> Result<u64, DomainError> {
        Ok(0)
    }
}

impl Companies for MemoryStore {
    async fn create_company(&self, new: &NewCompany) -> Result<SignedUpCompany, DomainError> {
        let taken = (self.inner.companies.borrow().values())
            .any(|company| company.code == new.code.as_str());
        if taken {
            return Err(DomainError::Conflict(UniqueField::CompanyCode));
        }
        let company_id = self.inner.new_id();
        let mut company = Company {
            name: new.name.as_str().to_owned(),
            code: new.code.as_str().to_owned(),
            agent_limit: i64::from(new.agent_limit),
            ..Company::default()
        };
        let mut admin_role = Uuid::nil();
        for default in DEFAULT_ROLES {
            let id = self.inner.new_id();
            if default.system {
                admin_role = id;
            }
            let grant = RoleGrant {
                id,
                name: default.name.to_owned(),
                system: default.system,
                permissions: default.permissions(),
                version: Version(1),
            };
            company.roles.insert(id, grant);
        }
        let admin_id = self.inner.new_id();
        let admin = StoredUser {
            record: UserRecord {
                id: admin_id,
                name: new.admin.name.as_str().to_owned(),
                email: new.admin.email.as_str().to_owned(),
                employee_code: None,
                phone: None,
                department_id: None,
                branch_id: None,
                role_id: admin_role,
                lead_cap: 0,
                external_id: None,
                banned: false,
                version: Version(1),
            },
            password_hash: new.admin.password_hash.clone(),
            mpin_hash: None,
            last_assigned_at: None,
            guards: Guards::default(),
        };
        company.users.insert(admin_id, admin);
        self.inner
            .companies
            .borrow_mut()
            .insert(company_id, company);
        Ok(SignedUpCompany {
            company_id,
            name: new.name.as_str().to_owned(),
            code: new.code.as_str().to_owned(),
            admin_id,
        })
    }
}

impl Lockouts for MemoryTx {
    async fn lock_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
    ) -> Result<Option<Guard>, DomainError> {
        Ok(self.company.users.get(&user_id).map(|user| match secret {
            Secret::Password => user.guards.password,
            Secret::Mpin => user.guards.mpin,
        }))
    }

    async fn save_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
        guard: Guard,
    ) -> Result<(), DomainError> {
        let guards = &mut self.user_mut(user_id)?.guards;
        match secret {
            Secret::Password => guards.password = guard,
            Secret::Mpin => guards.mpin = guard,
        }
        Ok(())
    }
}

impl Devices for MemoryTx {
    async fn register_device(
        &mut self,
        user_id: Uuid,
        new: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Device, DomainError> {
        let id = self.inner.new_id();
        let device = StoredDevice {
            user_id,
            name: new.name.as_str().to_owned(),
            token_hash: new.token_hash.clone(),
            last_used_at: now,
        };
        self.company.devices.insert(id, device);
        Ok(Device {
            id,
            name: new.name.as_str().to_owned(),
        })
    }

    async fn touch_device(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError> {
        if let Some(device) = self.company.devices.get_mut(&id) {
            device.last_used_at = now;
        }
        Ok(())
    }

    async fn remove_devices(
        &mut self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), DomainError> {
        (self.company.devices).retain(|id, d| d.user_id != user_id || Some(*id) == keep);
        Ok(())
    }

    async fn user_devices(&mut self, user_id: Uuid) -> Result<Vec<DeviceRecord>, DomainError> {
        let mut devices: Vec<DeviceRecord> = (self.company.devices.iter())
            .filter(|(_, d)| d.user_id == user_id)
            .map(|(id, d)| DeviceRecord {
                id: *id,
                name: d.name.clone(),
                created_at: d.last_used_at,
                last_used_at: d.last_used_at,
            })
            .collect();
        devices.sort_by_key(|d| std::cmp::Reverse((d.last_used_at, d.id)));
        Ok(devices)
    }

    async fn remove_device(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        _now: DateTime<Utc>,
    ) -> Result<Option<Device>, DomainError> {
        let owned = self
            .company
            .devices
            .get(&id)
            .is_some_and(|d| d.user_id == user_id);
        let Some(removed) = owned.then(|| self.company.devices.remove(&id)).flatten() else {
            return Ok(None);
        };
        for session in self.company.sessions.values_mut() {
            if session.device_id == Some(id) {
                session.revoked = true;
            }
        }
        Ok(Some(Device {
            id,
            name: removed.name,
        }))
    }
}

impl Sessions for MemoryTx {
    async fn revoke_sessions(&mut self, user_id: Uuid) -> Result<(), DomainError> {
        self.revoke_sessions_but(user_id, None);
        Ok(())
    }

    async fn revoke_other_sessions(
        &mut self,
        user_id: Uuid,
        keep: Uuid,
    ) -> Result<(), DomainError> {
        self.revoke_sessions_but(user_id, Some(keep));
        Ok(())
    }

    async fn open_session(
        &mut self,
        new: &NewSession,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError> {
        let id = self.inner.new_id();
        let session = StoredSession {
            user_id: new.user_id,
            device_id: new.device_id,
            generation: 0,
            signed_in_at: now,
            expires_at: new.lifetime.expiry(now, now),
            revoked: false,
        };
        self.company.sessions.insert(id, session);
        Ok(id)
    }

    async fn rotate_session(
        &mut self,
        id: Uuid,
        generation: i64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError> {
        let Some(session) = self.company.sessions.get_mut(&id) else {
            return Ok(None);
        };
        if !session.live(now) || session.generation != generation {
            return Ok(None);
        }
        session.generation += 1;
        session.expires_at = expires_at;
        self.session(id, now).await
    }

    async fn session(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError> {
        Ok(self.company.sessions.get(&id).map(|s| SessionState {
            user_id: s.user_id,
            signed_in_at: s.signed_in_at,
            device_id: s.device_id,
            generation: s.generation,
            live: s.live(now),
        }))
    }

    async fn set_session_expiry(
        &mut self,
        id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if let Some(session) = self.company.sessions.get_mut(&id) {
            session.expires_at = expires_at;
        }
        Ok(())
    }

    async fn end_session(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError> {
        if let Some(session) = self.company.sessions.get_mut(&id).filter(|s| s.live(now)) {
            session.revoked = true;
        }
        Ok(())
    }

    async fn end_own_session(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        _now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let session =
            (self.company.sessions.get_mut(&id)).filter(|s| s.user_id == user_id && !s.revoked);
        Ok(session.map(|s| s.revoked = true).is_some())
    }
}

impl MemoryTx {
    fn revoke_sessions_but(&mut self, user_id: Uuid, keep: Option<Uuid>) {
        self.company.signed_out.push(user_id);
        for (id, session) in &mut self.company.sessions {
            if session.user_id == user_id && Some(*id) != keep {
                session.revoked = true;
            }
        }
    }
}
