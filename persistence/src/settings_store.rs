//! Company settings (how leads are handed out) and the daily top-up's once-a-day record.

use chrono::{NaiveTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, SqlErr, TransactionTrait};
use uuid::Uuid;

use crate::entity::{company, company_settings, job_run};
use crate::lead_store::{Distribution, distribute_in};
use crate::write::{ActingUser, AuditEntry, record};
use crate::{Store, StoreError, Tenant};

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
        let row = company_settings::Entity::find_by_id(self.company_id)
            .one(self.db)
            .await?;
        Ok(row.map(from_row).unwrap_or_default())
    }

    /// Saves the settings and records `settings.updated` with the changed field names, in
    /// one transaction; nothing is written when nothing changed.
    pub async fn save_settings(
        &self,
        actor: &ActingUser,
        settings: &Settings,
    ) -> Result<(), StoreError> {
        let before = self.settings().await?;
        let mut changes = Vec::new();
        if before.auto_assign_new_leads != settings.auto_assign_new_leads {
            changes.push("auto_assign_new_leads");
        }
        if before.top_up_enabled != settings.top_up_enabled {
            changes.push("daily_top_up.enabled");
        }
        if before.top_up_at != settings.top_up_at {
            changes.push("daily_top_up.at");
        }
        if before.top_up_timezone != settings.top_up_timezone {
            changes.push("daily_top_up.timezone");
        }
        if changes.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
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
        Ok(txn.commit().await?)
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
