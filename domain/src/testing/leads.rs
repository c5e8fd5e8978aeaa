//! The in-memory leads, settings and job runs.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MemoryTx, StoredLead};
use crate::leads::{LeadPatch, LeadRecord, NewLead};
use crate::ports::{CompanySettings, Jobs, Leads};
use crate::queries::NamedRef;
use crate::settings::Settings;
use crate::{Candidate, DomainError, Version, pick_assignee};

impl Leads for MemoryTx {
    async fn lock_candidates(&mut self) -> Result<Vec<Candidate<Uuid>>, DomainError> {
        let company = &self.company;
        Ok(company
            .users
            .values()
            .map(|u| company.candidate(u))
            .collect())
    }

    async fn lock_candidate(
        &mut self,
        user_id: Uuid,
    ) -> Result<Option<(Candidate<Uuid>, String)>, DomainError> {
        let company = &self.company;
        Ok(company
            .users
            .get(&user_id)
            .map(|u| (company.candidate(u), u.record.name.to_string())))
    }

    async fn lock_fairest(&mut self) -> Result<Option<NamedRef>, DomainError> {
        let Some(id) = pick_assignee(&self.lock_candidates().await?) else {
            return Ok(None);
        };
        let name = self.company.users[&id].record.name.to_string();
        Ok(Some(NamedRef { id, name }))
    }

    async fn insert_leads(
        &mut self,
        leads: Vec<NewLead>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, DomainError> {
        let mut ids = Vec::with_capacity(leads.len());
        for lead in leads {
            let id = self.inner.new_id();
            let stored = StoredLead {
                name: lead.name,
                status: lead.status,
                assignee_id: lead.assignee_id,
                created: id.as_u128(),
                version: Version(1),
            };
            self.company.leads.insert(id, stored);
            self.given_at(lead.assignee_id, now);
            ids.push(id);
        }
        Ok(ids)
    }

    async fn lock_lead(&mut self, id: Uuid) -> Result<Option<LeadRecord>, DomainError> {
        Ok(self.company.leads.get(&id).map(|lead| LeadRecord {
            id,
            status: lead.status,
            assignee_id: lead.assignee_id,
            version: lead.version,
        }))
    }

    async fn save_lead(
        &mut self,
        current: &LeadRecord,
        change: LeadPatch,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let lead = self
            .company
            .leads
            .get_mut(&current.id)
            .ok_or(DomainError::NotFound)?;
        if let Some(name) = change.name {
            lead.name = name;
        }
        if let Some(status) = change.status {
            lead.status = status;
        }
        if let Some(assignee) = change.assignee_id {
            lead.assignee_id = assignee;
        }
        lead.version = Version(lead.version.0 + 1);
        self.given_at(change.assignee_id.flatten(), now);
        Ok(())
    }

    async fn delete_lead(&mut self, current: &LeadRecord) -> Result<bool, DomainError> {
        Ok(self.company.leads.remove(&current.id).is_some())
    }

    async fn unassigned_pool(&mut self, limit: usize) -> Result<Vec<Uuid>, DomainError> {
        let mut pool: Vec<(u128, Uuid)> = self
            .company
            .leads
            .iter()
            .filter(|(_, l)| l.assignee_id.is_none() && l.status.is_open())
            .map(|(id, l)| (l.created, *id))
            .collect();
        pool.sort();
        Ok(pool.into_iter().take(limit).map(|(_, id)| id).collect())
    }

    async fn assign_leads(
        &mut self,
        per_user: &[(Uuid, Vec<Uuid>)],
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        for (user_id, leads) in per_user {
            for id in leads {
                let lead = self
                    .company
                    .leads
                    .get_mut(id)
                    .ok_or(DomainError::NotFound)?;
                lead.assign(Some(*user_id));
            }
            self.given_at(Some(*user_id), now);
        }
        Ok(())
    }
}

impl MemoryTx {
    /// Marks the user a lead went to as assigned at `now`, as every store's writes of leads do.
    fn given_at(&mut self, user_id: Option<Uuid>, now: DateTime<Utc>) {
        if let Some(user) = user_id.and_then(|id| self.company.users.get_mut(&id)) {
            user.last_assigned_at = Some(now);
        }
    }
}

impl CompanySettings for MemoryTx {
    async fn settings(&mut self) -> Result<Settings, DomainError> {
        Ok(self.company.settings.clone())
    }

    async fn lock_settings(&mut self) -> Result<Settings, DomainError> {
        self.settings().await
    }

    async fn save_settings(&mut self, settings: &Settings) -> Result<(), DomainError> {
        self.company.settings = Settings {
            version: Version(self.company.settings.version.0 + 1),
            ..settings.clone()
        };
        Ok(())
    }
}

impl Jobs for MemoryTx {
    async fn claim_job_run(
        &mut self,
        job: &str,
        day: &str,
        _now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let key = (job.to_owned(), day.to_owned());
        if self.company.job_runs.contains_key(&key) {
            return Ok(false);
        }
        self.company.job_runs.insert(key, 0);
        Ok(true)
    }

    async fn finish_job_run(
        &mut self,
        job: &str,
        day: &str,
        assigned: u64,
    ) -> Result<(), DomainError> {
        self.company
            .job_runs
            .insert((job.to_owned(), day.to_owned()), assigned);
        Ok(())
    }
}
