//! `domain`'s query ports on the store. Each method opens the [`Tenant`](crate::Tenant)
//! handle of the company it is given, so every read stays scoped to that company; the
//! queries themselves live with their aggregate (`users/read.rs`, `role_store.rs`, ...).
//! Each runs through [`read_retrying`]: a read whose pooled connection broke under it (the
//! server ended its backend) runs once more on another connection.

use chrono::{DateTime, Utc};
use domain::api_keys::ApiKeyRecord;
use domain::leads::DueTopUp;
use domain::ports::GroupKind;
use domain::queries::{
    ActorQueries, ActorRecord, ApiKeyQueries, AuditEventView, AuditFilter, AuditQueries,
    CompanyQueries, GroupQueries, GroupView, KeyActorRecord, LeadFilter, LeadLoad, LeadQueries,
    LeadView, MeRecord, PageRequest, Paged, RoleQueries, RoleView, SchedulerQueries,
    SessionQueries, SessionView, SubscriptionView, UserFilter, UserQueries, UserView,
};
use domain::queries::{DeliveryView, WebhookQueries, WebhookView};
use domain::settings::Settings;
use domain::{DomainError, Name};
use uuid::Uuid;

use crate::Store;
use crate::retry::read_retrying;
use crate::settings_store::top_ups_due;

impl UserQueries for Store {
    async fn user_view(&self, company_id: Uuid, id: Uuid) -> Result<UserView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.user_view(id)).await?)
    }

    async fn list_users(
        &self,
        company_id: Uuid,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Paged<UserView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_users(filter, page)).await?)
    }
}

impl RoleQueries for Store {
    async fn role_view(&self, company_id: Uuid, id: Uuid) -> Result<RoleView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.role_view(id)).await?)
    }

    async fn list_roles(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<RoleView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_roles(page)).await?)
    }

    async fn role_named(
        &self,
        company_id: Uuid,
        name: &Name,
    ) -> Result<Option<RoleView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.role_named(name)).await?)
    }
}

impl GroupQueries for Store {
    async fn group_view(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<GroupView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.group_view(kind, id)).await?)
    }

    async fn list_groups(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        page: PageRequest,
    ) -> Result<Paged<GroupView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_groups(kind, page)).await?)
    }

    async fn group_named(
        &self,
        company_id: Uuid,
        kind: GroupKind,
        name: &Name,
    ) -> Result<Option<GroupView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.group_named(kind, name)).await?)
    }
}

impl LeadQueries for Store {
    async fn lead_view(&self, company_id: Uuid, id: Uuid) -> Result<LeadView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.lead_view(id)).await?)
    }

    async fn list_leads(
        &self,
        company_id: Uuid,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Paged<LeadView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_leads(filter, page)).await?)
    }

    async fn lead_load(&self, company_id: Uuid) -> Result<Vec<LeadLoad>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.lead_load()).await?)
    }
}

impl AuditQueries for Store {
    async fn audit_events(
        &self,
        company_id: Uuid,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Paged<AuditEventView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.audit_events(filter, page)).await?)
    }
}

impl CompanyQueries for Store {
    async fn subscription(&self, company_id: Uuid) -> Result<SubscriptionView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.subscription()).await?)
    }

    async fn settings(&self, company_id: Uuid) -> Result<Settings, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.settings()).await?)
    }
}

impl SessionQueries for Store {
    async fn list_sessions(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<SessionView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_sessions(user_id, page)).await?)
    }
}

impl ActorQueries for Store {
    async fn actor(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<ActorRecord>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.actor(user_id, session_id)).await?)
    }

    async fn me(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<MeRecord>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.me(user_id, session_id)).await?)
    }
}

impl ApiKeyQueries for Store {
    async fn list_api_keys(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<ApiKeyRecord>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_api_keys(page)).await?)
    }

    async fn api_key(
        &self,
        company_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ApiKeyRecord>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.api_key(id)).await?)
    }

    async fn key_actor(&self, hash: &str) -> Result<Option<KeyActorRecord>, DomainError> {
        Ok(read_retrying(|| self.find_key_actor(hash)).await?)
    }
}

impl SchedulerQueries for Store {
    async fn top_ups_due(&self, now: DateTime<Utc>) -> Result<Vec<DueTopUp>, DomainError> {
        Ok(read_retrying(|| top_ups_due(&self.db, now)).await?)
    }

    async fn top_up_ran(&self, company_id: Uuid, day: &str) -> Result<bool, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.top_up_ran(day)).await?)
    }
}

impl WebhookQueries for Store {
    async fn webhook_view(&self, company_id: Uuid, id: Uuid) -> Result<WebhookView, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.webhook_view(id)).await?)
    }

    async fn list_webhooks(
        &self,
        company_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<WebhookView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_webhooks(page)).await?)
    }

    async fn list_deliveries(
        &self,
        company_id: Uuid,
        webhook_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<DeliveryView>, DomainError> {
        let tenant = self.tenant(company_id);
        Ok(read_retrying(|| tenant.list_deliveries(webhook_id, page)).await?)
    }
}
