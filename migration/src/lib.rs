//! Calliyo's schema, one migration per change (`mYYYYMMDD_HHMMSS_verb_noun.rs`).
//!
//! Every tenant table carries `company_id`, and its primary and unique keys start with it, so
//! the tables can later be distributed by company (Citus) without rewrites. (`sign_in_guards`
//! is no tenant table: it keys identities that belong to no company.)

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_core_tables;
mod m20261128_000002_create_audit_events;
mod m20261128_000003_add_devices_and_lockouts;
mod m20261128_000004_create_leads_and_settings;
mod m20261202_000005_create_sign_in_guards;
mod m20261202_000006_add_user_versions;
mod m20261202_000007_add_role_versions;
mod m20261202_000008_add_group_versions;
mod m20261202_000009_add_lead_versions;
mod m20261202_000010_add_settings_and_subscription_versions;
mod m20261202_000011_create_idempotency_keys;
mod m20261203_000012_create_api_keys;
mod m20261203_000013_create_webhooks;
mod m20261203_000014_add_user_external_ids;
mod m20261204_000015_add_webhook_event_fan_out;
mod m20261204_000016_add_user_leads_held;
mod m20261204_000017_add_users_fairest_index;
mod m20261204_000018_add_company_top_up_due_at;
mod m20261204_000019_add_users_search_trigram_index;
mod m20261204_000020_plan_users_for_large_companies;
mod m20261205_000021_add_search_text_to_sqlite_name_index;
mod versions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_core_tables::Migration),
            Box::new(m20261128_000002_create_audit_events::Migration),
            Box::new(m20261128_000003_add_devices_and_lockouts::Migration),
            Box::new(m20261128_000004_create_leads_and_settings::Migration),
            Box::new(m20261202_000005_create_sign_in_guards::Migration),
            Box::new(m20261202_000006_add_user_versions::Migration),
            Box::new(m20261202_000007_add_role_versions::Migration),
            Box::new(m20261202_000008_add_group_versions::Migration),
            Box::new(m20261202_000009_add_lead_versions::Migration),
            Box::new(m20261202_000010_add_settings_and_subscription_versions::Migration),
            Box::new(m20261202_000011_create_idempotency_keys::Migration),
            Box::new(m20261203_000012_create_api_keys::Migration),
            Box::new(m20261203_000013_create_webhooks::Migration),
            Box::new(m20261203_000014_add_user_external_ids::Migration),
            Box::new(m20261204_000015_add_webhook_event_fan_out::Migration),
            Box::new(m20261204_000016_add_user_leads_held::Migration),
            Box::new(m20261204_000017_add_users_fairest_index::Migration),
            Box::new(m20261204_000018_add_company_top_up_due_at::Migration),
            Box::new(m20261204_000019_add_users_search_trigram_index::Migration),
            Box::new(m20261204_000020_plan_users_for_large_companies::Migration),
            Box::new(m20261205_000021_add_search_text_to_sqlite_name_index::Migration),
        ]
    }
}
