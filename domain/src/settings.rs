//! Company settings: how leads are handed out.

use chrono::NaiveTime;

use crate::ports::{Audit, Commit, CompanySettings, Store};
use crate::{Actor, AuditEntry, DomainError};

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

/// Applies `patch` to the settings read under the company's lock, so two concurrent partial
/// changes both land (neither overwrites the other with what it read before), and records
/// `settings.updated` with the changed field names. Nothing is written when nothing changes.
/// Returns the settings now in force.
pub async fn update_settings(
    store: &impl Store,
    actor: &Actor,
    patch: &SettingsPatch,
) -> Result<Settings, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = tx.lock_settings().await?;
    let settings = patch.apply(&before);
    let changes = changed_fields(&before, &settings);
    if changes.is_empty() {
        return Ok(before);
    }
    tx.save_settings(&settings).await?;
    let entry = AuditEntry {
        action: "settings.updated",
        target: None,
        changes,
    };
    tx.record(actor, entry).await?;
    tx.commit().await?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, run};

    #[test]
    fn a_partial_change_keeps_the_rest_and_audits_only_what_changed() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let off = SettingsPatch {
            auto_assign_new_leads: Some(false),
            top_up_enabled: Some(true),
            ..SettingsPatch::default()
        };

        let after = run(update_settings(&store, &company.admin, &off)).expect("updated");
        run(update_settings(&store, &company.admin, &off)).expect("no-op");

        assert!(!after.auto_assign_new_leads);
        assert_eq!(after.top_up_timezone, "UTC");
        let audit = store.company(company.company_id).audit;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].changes, ["auto_assign_new_leads"]);
    }
}
