//! The use cases of API keys: create, delete, and find the key a request presents.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{ApiKeyRecord, KeyDigest, LAST_USE_PRECISION_SECONDS, NewApiKey, usable};
use crate::ports::{ApiKeys, Audit, Commit, KeyUse, Store};
use crate::queries::{ApiKeyQueries, KeyActorRecord};
use crate::{Actor, AuditEntry, AuditTarget, DomainError, Invalid, rules};

/// Creates a key with permissions within the actor's own, expiring (if at all) after `now`.
pub async fn create_api_key(
    store: &impl Store,
    actor: &Actor,
    new: NewApiKey,
    digest: KeyDigest,
    now: DateTime<Utc>,
) -> Result<ApiKeyRecord, DomainError> {
    rules::within_actor(&actor.permissions, &new.permissions)?;
    if new.expires_at.is_some_and(|at| at <= now) {
        let refused = Invalid::new("in_the_past", "must be in the future");
        return Err(DomainError::Invalid(refused.at("expires_at")));
    }
    let mut tx = store.begin(actor.company_id).await?;
    let id = tx.insert_api_key(&new, &digest, now).await?;
    let name = new.name.into_inner();
    tx.record(actor, key_event("api_key.created", id, name.clone()))
        .await?;
    tx.commit().await?;
    Ok(ApiKeyRecord {
        id,
        name,
        prefix: digest.prefix,
        permissions: new.permissions,
        created_at: now,
        expires_at: new.expires_at,
        last_used_at: None,
    })
}

/// Deletes a key: the next request made with it is refused.
pub async fn delete_api_key(
    store: &impl Store,
    actor: &Actor,
    id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let name = tx.delete_api_key(id).await?.ok_or(DomainError::NotFound)?;
    tx.record(actor, key_event("api_key.deleted", id, name))
        .await?;
    tx.commit().await
}

/// The key a request presents, found by its hash, if it may act at `now`: `None` when no key
/// has that hash or it has expired. Its last use is recorded when the one on record is older
/// than [`LAST_USE_PRECISION_SECONDS`].
pub async fn authenticate(
    store: &(impl ApiKeyQueries + KeyUse),
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<KeyActorRecord>, DomainError> {
    let Some(key) = store.key_actor(hash).await? else {
        return Ok(None);
    };
    if !usable(key.expires_at, now) {
        return Ok(None);
    }
    let stale = now - Duration::seconds(LAST_USE_PRECISION_SECONDS);
    if key.last_used_at.is_none_or(|used| used <= stale) {
        store.record_key_use(key.company_id, key.id, now).await?;
    }
    Ok(Some(key))
}

fn key_event(action: &'static str, id: Uuid, name: String) -> AuditEntry {
    AuditEntry {
        action,
        target: Some(AuditTarget {
            kind: "api_key",
            id,
            name,
        }),
        changes: Vec::new(),
    }
}
