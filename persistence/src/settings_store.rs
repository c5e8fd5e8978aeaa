//! Company settings (how leads are handed out): the reads, and the [`CompanySettings`] port.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use domain::leads::DueTopUp;
use domain::ports::CompanySettings;
use domain::settings::Settings;
use domain::{DomainError, Version};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::entity::{company, company_settings};
use crate::jobs::look_at_top_up_at_once;
use crate::tx::SeaTx;
use crate::write::lock_company;
use crate::{StoreError, Tenant};

/// Company ids per `IN (...)`: well under SQLite's bound on statement parameters.
const IN_CHUNK: usize = 500;

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
        version: Version(row.version),
    }
}

impl Tenant<'_> {
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        settings_of(self.db, self.company_id).await
    }
}

impl CompanySettings for SeaTx {
    async fn settings(&mut self) -> Result<Settings, DomainError> {
        Ok(settings_of(&self.txn, self.company_id).await?)
    }

    async fn lock_settings(&mut self) -> Result<Settings, DomainError> {
        lock_company(&self.txn, self.company_id).await?;
        self.settings().await
    }

    async fn save_settings(&mut self, settings: &Settings) -> Result<(), DomainError> {
        let row = company_settings::ActiveModel {
            company_id: Set(self.company_id),
            auto_assign_new_leads: Set(settings.auto_assign_new_leads),
            top_up_enabled: Set(settings.top_up_enabled),
            top_up_at: Set(settings.top_up_at.format("%H:%M").to_string()),
            top_up_timezone: Set(settings.top_up_timezone.clone()),
            updated_at: Set(Utc::now()),
            // The first write: the defaults it replaces were version 1.
            version: Set(Version::default().0 + 1),
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
                    .value(
                        company_settings::Column::Version,
                        Expr::col((company_settings::Entity, company_settings::Column::Version))
                            .add(1),
                    )
                    .to_owned(),
            )
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        look_at_top_up_at_once(&self.txn, self.company_id).await?;
        Ok(())
    }
}

/// The companies due at `now` (through the `companies_top_up_due` index), with their
/// settings: what the top-up scheduler reads each minute.
pub(crate) async fn top_ups_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<DueTopUp>, StoreError> {
    let due: Vec<(Uuid, Option<DateTime<Utc>>)> = company::Entity::find()
        .select_only()
        .columns([company::Column::Id, company::Column::TopUpDueAt])
        .filter(company::Column::TopUpDueAt.lte(now))
        .into_tuple()
        .all(db)
        .await?;
    let mut settings = HashMap::with_capacity(due.len());
    for chunk in due.chunks(IN_CHUNK) {
        let rows = company_settings::Entity::find()
            .filter(company_settings::Column::CompanyId.is_in(chunk.iter().map(|(id, _)| *id)))
            .all(db)
            .await?;
        settings.extend(rows.into_iter().map(|row| (row.company_id, from_row(row))));
    }
    Ok(due
        .into_iter()
        .filter_map(|(company_id, due_at)| {
            Some(DueTopUp {
                company_id,
                settings: settings.remove(&company_id).unwrap_or_default(),
                due_at: due_at?,
            })
        })
        .collect())
}
