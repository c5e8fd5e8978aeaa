//! The in-memory seats and users.

use uuid::Uuid;

use super::{Guards, MemoryTx, StoredUser};
use crate::Guard;
use crate::auth::Account;
use crate::ports::{SeatCount, Seats, Users};
use crate::users::{NewSecrets, NewUserRecord, UserRecord};
use crate::{DomainError, UniqueField, Version};

impl Seats for MemoryTx {
    async fn lock_seats(&mut self) -> Result<SeatCount, DomainError> {
        Ok(SeatCount {
            used: self.company.seats_used(),
            limit: self.company.agent_limit,
            version: self.company.subscription_version,
        })
    }

    async fn set_agent_limit(&mut self, limit: i64) -> Result<(), DomainError> {
        self.company.agent_limit = limit;
        self.company.subscription_version = Version(self.company.subscription_version.0 + 1);
        Ok(())
    }
}

impl Users for MemoryTx {
    async fn lock_user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        Ok(self.company.users.get(&id).map(|u| u.record.clone()))
    }

    async fn lock_user_alone(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
        self.lock_user(id).await
    }

    async fn user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError> {
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
            external_id: details.external_id,
            banned: details.banned,
            version: Version(1),
        };
        self.unique(&record)?;
        let user = StoredUser {
            record,
            password_hash: new.password_hash,
            mpin_hash: new.mpin_hash,
            last_assigned_at: None,
            guards: Guards::default(),
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
        user.record = UserRecord {
            version: Version(user.record.version.0 + 1),
            ..record.clone()
        };
        if let Some(hash) = secrets.password_hash {
            user.password_hash = hash;
            user.guards.password = Guard::reset();
        }
        if secrets.mpin_hash.is_some() {
            user.mpin_hash = secrets.mpin_hash;
            user.guards.mpin = Guard::reset();
        }
        Ok(())
    }

    async fn set_own_password(&mut self, id: Uuid, hash: String) -> Result<(), DomainError> {
        let user = self
            .company
            .users
            .get_mut(&id)
            .ok_or(DomainError::NotFound)?;
        user.password_hash = hash;
        user.record.version = Version(user.record.version.0 + 1);
        Ok(())
    }

    async fn set_own_mpin(&mut self, id: Uuid, hash: String) -> Result<(), DomainError> {
        let user = self
            .company
            .users
            .get_mut(&id)
            .ok_or(DomainError::NotFound)?;
        user.mpin_hash = Some(hash);
        user.guards.mpin = Guard::reset();
        user.record.version = Version(user.record.version.0 + 1);
        Ok(())
    }

    async fn account(&mut self, id: Uuid) -> Result<Option<Account>, DomainError> {
        Ok(self
            .company
            .users
            .get(&id)
            .map(|user| user.account(self.company_id)))
    }

    async fn delete_user(&mut self, id: Uuid) -> Result<(), DomainError> {
        for lead in self.company.leads.values_mut() {
            if lead.assignee_id == Some(id) {
                lead.assign(None);
            }
        }
        self.company.users.remove(&id);
        Ok(())
    }
}

impl MemoryTx {
    pub(super) fn count_users(&self, which: impl Fn(&UserRecord) -> bool) -> i64 {
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
