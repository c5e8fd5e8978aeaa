//! Company settings (how leads are handed out) and the daily top-up's once-a-day record.

use chrono::{NaiveTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, SqlErr, TransactionTrait};
use uuid::Uuid;

use crate::entity::{company, company_settings, job_run};
use crate::lead_store::{Distribution, distribute_in};
use crate::write::{lock_company, record};
use crate::{Store, StoreError, Tenant};
use domain::{Actor, AuditEntry};

/// The job name of the daily top-up in `job_runs`.
const DAILY_TOP_UP: &str = "daily_top_up";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub auto_assign_new_leads: bool,
    pub top_up_enabled: bool,
    /// Local time of day.
    pub top_up_at: NaiveTime,
    /// An IANA zone name, checked by the caller.
    pub top_up_timezone: String,
}

impl Default for Settings {
    /// The contract's defaults: auto-assign on, top-up at 09:00 UTC.
    fn default() -> Self {
        Self {
            auto_assign_new_leads: true,
            top_up_enabled: true,
            top_up_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            top_up_timezone: "UTC".to_owned(),
        }
    }
}

/// A partial change: each `Some` replaces that setting (values already validated).
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub auto_assign_new_leads: Option<bool>,
    pub top_up_enabled: Option<bool>,
    pub top_up_at: Option<NaiveTime>,
    pub top_up_timezone: Option<String>,
}

impl SettingsPatch {
    fn apply(&self, current: &Settings) -> Settings {
        Settings {
            auto_assign_new_leads: self
                .auto_assign_new_leads
                .unwrap_or(current.auto_assign_new_leads),
            top_up_enabled: self.top_up_enabled.unwrap_or(current.top_up_enabled),
            top_up_at: self.top_up_at.unwrap_or(current.top_up_at),
            top_up_timezone: self
                .top_up_timezone
                .clone()
                .unwrap_or_else(|| current.top_up_timezone.clone()),
        }
    }
}

/// The audit names of the settings that differ.
fn changed_fields(before: &Settings, after: &Settings) -> Vec<&'static str> {
    [
        (
            before.auto_assign_new_leads != after.auto_assign_new_leads,
            "auto_assign_new_leads",
        ),
        (
            before.top_up_enabled != after.top_up_enabled,
            "daily_top_up.enabled",
        ),
        (before.top_up_at != after.top_up_at, "daily_top_up.at"),
        (
            before.top_up_timezone != after.top_up_timezone,
            "daily_top_up.timezone",
        ),
    ]
    .into_iter()
    .filter_map(|(changed, field)| changed.then_some(field))
    .collect()
}

/// The company's settings as `db` sees them (the defaults until first changed).
async fn settings_of(db: &impl ConnectionTrait, company_id: Uuid) -> Result<Settings, StoreError> {
    let row = company_settings::Entity::find_by_id(company_id)
        .one(db)
        .await?;
    Ok(row.map(from_row).unwrap_or_default())
}

fn from_row(row: company_settings::Model) -> Settings {
    Settings {
        auto_assign_new_leads: row.auto_assign_new_leads,
        top_up_enabled: row.top_up_enabled,
        top_up_at: NaiveTime::parse_from_str(&row.top_up_at, "%H:%M").unwrap_or_default(),
        top_up_timezone: row.top_up_timezone,
    }
}

impl Tenant<'_> {
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        settings_of(self.db, self.company_id).await
    }

    /// Applies `patch` to the current settings and records `settings.updated` with the
    /// changed field names, in one transaction under the company's lock, so two concurrent
    /// partial changes both land (neither overwrites the other with what it read before).
    /// Nothing is written when nothing changes. Returns the settings now in force.
    pub async fn update_settings(
        &self,
        actor: &Actor,
        patch: &SettingsPatch,
    ) -> Result<Settings, StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let before = settings_of(&txn, self.company_id).await?;
        let settings = patch.apply(&before);
        let changes = changed_fields(&before, &settings);
        if changes.is_empty() {
            return Ok(before);
        }
        let row = company_settings::ActiveModel {
            company_id: Set(self.company_id),
            auto_assign_new_leads: Set(settings.auto_assign_new_leads),
            top_up_enabled: Set(settings.top_up_enabled),
            top_up_at: Set(settings.top_up_at.format("%H:%M").to_string()),
            top_up_timezone: Set(settings.top_up_timezone.clone()),
            updated_at: Set(Utc::now()),
        };
        company_settings::Entity::insert(row)
            .on_conflict(
                OnConflict::column(company_settings::Column::CompanyId)
                    .update_columns([
                        company_settings::Column::AutoAssignNewLeads,
                        company_settings::Column::TopUpEnabled,
                        company_settings::Column::TopUpAt,
                        company_settings::Column::TopUpTimezone,
                        company_settings::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
        let entry = AuditEntry {
            action: "settings.updated",
            target: None,
            changes,
        };
        record(&txn, self.company_id, actor, entry).await?;
        txn.commit().await?;
        Ok(settings)
    }

    /// Runs the daily top-up for the company's local `day` (`YYYY-MM-DD`) unless it already
    /// ran: the run's record and its assignments commit together, so a crash leaves neither
    /// and a second replica's attempt waits on the record's key, then finds it taken.
    pub async fn daily_top_up(&self, day: &str) -> Result<Option<Distribution>, StoreError> {
        let txn = self.db.begin().await?;
        let record = job_run::ActiveModel {
            company_id: Set(self.company_id),
            job: Set(DAILY_TOP_UP.to_owned()),
            day: Set(day.to_owned()),
            ran_at: Set(Utc::now()),
            assigned: Set(0),
        };
        match job_run::Entity::insert(record).exec(&txn).await {
            Ok(_) => {}
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        }
        let distribution = distribute_in(&txn, self.company_id).await?;
        job_run::Entity::update(job_run::ActiveModel {
            company_id: Set(self.company_id),
            job: Set(DAILY_TOP_UP.to_owned()),
            day: Set(day.to_owned()),
            assigned: Set(i64::try_from(distribution.assigned).unwrap_or(i64::MAX)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(Some(distribution))
    }

    /// Whether the daily top-up already ran for the company's local `day`.
    pub async fn top_up_ran(&self, day: &str) -> Result<bool, StoreError> {
        let found =
            job_run::Entity::find_by_id((self.company_id, DAILY_TOP_UP.to_owned(), day.to_owned()))
                .one(self.db)
                .await?;
        Ok(found.is_some())
    }
}

impl Store {
    /// Every company with its settings: what the top-up scheduler looks at each minute.
    pub async fn companies_with_settings(&self) -> Result<Vec<(Uuid, Settings)>, StoreError> {
        let companies = company::Entity::find().all(&self.db).await?;
        let mut settings: std::collections::HashMap<Uuid, Settings> =
            company_settings::Entity::find()
                .all(&self.db)
                .await?
                .into_iter()
                .map(|row| (row.company_id, from_row(row)))
                .collect();
        Ok(companies
            .into_iter()
            .map(|c| (c.id, settings.remove(&c.id).unwrap_or_default()))
            .collect())
    }
}
