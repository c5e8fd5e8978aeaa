//! API keys: the [`ApiKeys`] port on a transaction, the reads listings make, and the lookup
//! by hash every request made with a key starts with.

use chrono::{DateTime, Utc};
use domain::api_keys::{ApiKeyRecord, KeyDigest, NewApiKey};
use domain::ports::{ApiKeys, KeyUse};
use domain::queries::{KeyActorRecord, PageRequest, Paged};
use domain::{DomainError, Permission, PermissionSet};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::api_key;
use crate::tx::SeaTx;
use crate::{Store, StoreError, Tenant};

impl ApiKeys for SeaTx {
    async fn insert_api_key(
        &mut self,
        key: &NewApiKey,
        digest: &KeyDigest,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError> {
        let id = Uuid::now_v7();
        api_key::Entity::insert(api_key::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            name: Set(key.name.as_str().to_owned()),
            prefix: Set(digest.prefix.clone()),
            key_hash: Set(digest.hash.clone()),
            permissions: Set(permissions_text(&key.permissions)),
            created_at: Set(now),
            expires_at: Set(key.expires_at),
            last_used_at: Set(None),
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        Ok(id)
    }

    async fn delete_api_key(&mut self, id: Uuid) -> Result<Option<String>, DomainError> {
        let deleted = api_key::Entity::delete_by_id((self.company_id, id))
            .exec_with_returning(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(deleted.map(|key| key.name))
    }
}

impl Tenant<'_> {
    pub async fn list_api_keys(
        &self,
        page: PageRequest,
    ) -> Result<Paged<ApiKeyRecord>, StoreError> {
        let scoped = api_key::Entity::find().filter(api_key::Column::CompanyId.eq(self.company_id));
        let total = scoped.clone().count(self.db).await?;
        let keys = scoped
            .order_by_desc(api_key::Column::Id)
            .limit(page.per_page)
            .offset(page.offset())
            .all(self.db)
            .await?;
        let items = keys.into_iter().map(record).collect();
        Ok(Paged { items, total })
    }

    pub async fn api_key(&self, id: Uuid) -> Result<Option<ApiKeyRecord>, StoreError> {
        let key = api_key::Entity::find_by_id((self.company_id, id))
            .one(self.db)
            .await?;
        Ok(key.map(record))
    }
}

impl KeyUse for Store {
    async fn record_key_use(
        &self,
        company_id: Uuid,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(at))
            .filter(api_key::Column::CompanyId.eq(company_id))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

impl Store {
    /// The key with this hash, in whichever company holds it.
    pub(crate) async fn find_key_actor(
        &self,
        hash: &str,
    ) -> Result<Option<KeyActorRecord>, StoreError> {
        let key = api_key::Entity::find()
            .filter(api_key::Column::KeyHash.eq(hash))
            .one(&self.db)
            .await?;
        Ok(key.map(|key| KeyActorRecord {
            company_id: key.company_id,
            id: key.id,
            permissions: parse_permissions(&key.permissions),
            name: key.name,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
        }))
    }
}

fn record(key: api_key::Model) -> ApiKeyRecord {
    ApiKeyRecord {
        id: key.id,
        permissions: parse_permissions(&key.permissions),
        name: key.name,
        prefix: key.prefix,
        created_at: key.created_at,
        expires_at: key.expires_at,
        last_used_at: key.last_used_at,
    }
}

fn permissions_text(permissions: &PermissionSet) -> String {
    let words: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
    words.join(" ")
}

/// A permission this build does not know (written by a newer version) grants nothing here
/// rather than failing the request, as with roles.
fn parse_permissions(text: &str) -> PermissionSet {
    text.split_whitespace()
        .filter_map(|word| word.parse::<Permission>().ok())
        .collect()
}
