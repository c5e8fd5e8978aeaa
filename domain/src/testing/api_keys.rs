//! API keys in memory: [`ApiKeys`] on a transaction, [`KeyUse`] and [`ApiKeyQueries`] on the
//! store.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MemoryStore, MemoryTx};
use crate::DomainError;
use crate::api_keys::{ApiKeyRecord, KeyDigest, NewApiKey};
use crate::ports::{ApiKeys, KeyUse};
use crate::queries::{ApiKeyQueries, KeyActorRecord, PageRequest, Paged};

/// A stored key: what listings show, and the hash it is found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    pub record: ApiKeyRecord,
    pub hash: String,
}

impl ApiKeys for MemoryTx {
    async fn insert_api_key(
        &mut self,
        key: &NewApiKey,
        digest: &KeyDigest,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError> {
        let id = self.inner.new_id();
        let record = ApiKeyRecord {
            id,
            name: key.name.as_str().to_owned(),
            prefix: digest.prefix.clone(),
            permissions: key.permissions,
            created_at: now,
            expires_at: key.expires_at,
            last_used_at: None,
        };
        let hash = digest.hash.clone();
        self.company
            .api_keys
            .insert(id, StoredApiKey { record, hash });
        Ok(id)
    }

    async fn delete_api_key(&mut self, id: Uuid) -> Result<Option<String>, DomainError> {
        Ok(self.company.api_keys.remove(&id).map(|key| key.record.name))
    }
}

impl KeyUse for MemoryStore {
    async fn record_key_use(
        &self,
        company_id: Uuid,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut companies = self.inner.companies.borrow_mut();
        let key = companies
            .get_mut(&company_id)
            .and_then(|company| company.api_keys.get_mut(&id));
        if let Some(key) = key {
            key.record.last_used_at = Some(at);
        }
        Ok(())
    }
}

impl ApiKeyQueries for MemoryStore {
    async fn list_api_keys(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<ApiKeyRecord>, DomainError> {
        let company = self.company(company_id);
        // Ids are handed out in order, so the newest key has the greatest id.
        let newest_first = company.api_keys.values().rev();
        let items = newest_first
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(page.per_page).unwrap_or(usize::MAX))
            .map(|key| key.record.clone())
            .collect();
        let total = u64::try_from(company.api_keys.len()).unwrap_or(u64::MAX);
        Ok(Paged { items, total })
    }

    async fn api_key(
        &self,
        company_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ApiKeyRecord>, DomainError> {
        let company = self.company(company_id);
        Ok(company.api_keys.get(&id).map(|key| key.record.clone()))
    }

    async fn key_actor(&self, hash: &str) -> Result<Option<KeyActorRecord>, DomainError> {
        let companies = self.inner.companies.borrow();
        let found = companies.iter().find_map(|(company_id, company)| {
            let key = company.api_keys.values().find(|key| key.hash == hash)?;
            Some(KeyActorRecord {
                company_id: *company_id,
                id: key.record.id,
                name: key.record.name.clone(),
                permissions: key.record.permissions,
                expires_at: key.record.expires_at,
                last_used_at: key.record.last_used_at,
            })
        });
        Ok(found)
    }
}
