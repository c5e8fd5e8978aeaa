//! Company settings: how leads are handed out.

mod update;

use chrono::NaiveTime;

pub use update::update_settings;

use crate::{Precondition, Version};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub auto_assign_new_leads: bool,
    pub top_up_enabled: bool,
    /// Local time of day.
    pub top_up_at: NaiveTime,
    /// An IANA zone name, checked by the caller.
    pub top_up_timezone: String,
    /// Raised by the store with every write; the defaults are version 1.
    pub version: Version,
}

impl Default for Settings {
    /// The contract's defaults: auto-assign on, top-up at 09:00 UTC.
    fn default() -> Self {
        Self {
            auto_assign_new_leads: true,
            top_up_enabled: true,
            top_up_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            top_up_timezone: "UTC".to_owned(),
            version: Version::default(),
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
    /// The versions the patch may apply to (`If-Match`).
    pub precondition: Precondition,
}

impl SettingsPatch {
    pub(crate) fn apply(&self, current: &Settings) -> Settings {
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
            version: current.version,
        }
    }
}

/// The audit names of the settings that differ.
pub(crate) fn changed_fields(before: &Settings, after: &Settings) -> Vec<&'static str> {
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
