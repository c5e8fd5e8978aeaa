//! Company settings (`settings:*`): how leads are handed out.

use actix_web::dev::HttpServiceFactory;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveTime;
use domain::queries::CompanyQueries;
use domain::settings::{self, Settings, SettingsPatch};
use domain::{Action, Invalid, Resource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Endpoint;
use crate::actor::Actor;
use crate::conditional::{self, IF_MATCH_DOC};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validation::FieldChecks;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/settings")
        .get(get_settings)
        .patch(update_settings)
        .finish()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsDto {
    /// A new lead without an assignee goes to the fairest eligible user.
    pub auto_assign_new_leads: bool,
    pub daily_top_up: TopUpDto,
}

/// Once a day, at `at` in `timezone`, unassigned open leads fill users toward their caps.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopUpDto {
    pub enabled: bool,
    /// `HH:MM`, 24-hour, local to `timezone`.
    pub at: String,
    /// An IANA zone such as `Asia/Kolkata`.
    pub timezone: String,
}

impl From<Settings> for SettingsDto {
    fn from(settings: Settings) -> Self {
        Self {
            auto_assign_new_leads: settings.auto_assign_new_leads,
            daily_top_up: TopUpDto {
                enabled: settings.top_up_enabled,
                at: settings.top_up_at.format("%H:%M").to_string(),
                timezone: settings.top_up_timezone,
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettingsRequest {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = bool)]
    pub auto_assign_new_leads: Option<bool>,
    #[serde(default, deserialize_with = "crate::json::present_object")]
    #[schema(value_type = UpdateTopUp)]
    pub daily_top_up: Option<UpdateTopUp>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTopUp {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
    /// `HH:MM`, 24-hour.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::TimeOfDay)]
    pub at: Option<String>,
    /// An IANA zone such as `Asia/Kolkata`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = crate::schema_rules::TimeZone)]
    pub timezone: Option<String>,
}

/// The company's lead settings (defaults until changed), with their version as the `ETag`
/// (send it back as `If-Match` with a change, so that the change applies only if nobody
/// changed the settings meanwhile). The version changes with every change of the settings.
#[utoipa::path(get, path = "/api/v1/settings", operation_id = "getSettings", tag = "settings",
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The settings.", body = SettingsDto,
        headers(("ETag" = String, description = "The settings' version, a strong tag: send it back as `If-Match`.")))))]
pub async fn get_settings(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Read)?;
    current(&state, &actor).await
}

/// The settings as they stand, with their `ETag`, as both operations answer them.
async fn current(state: &AppState, actor: &Actor) -> Result<HttpResponse, ApiError> {
    let settings = state.store.settings(actor.company_id).await?;
    Ok(conditional::answer(
        settings.version,
        SettingsDto::from(settings),
    ))
}

/// Changes any subset of the settings.
#[utoipa::path(patch, path = "/api/v1/settings", operation_id = "updateSettings", tag = "settings", request_body = UpdateSettingsRequest,
    params(("If-Match" = Option<String>, Header, description = IF_MATCH_DOC)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The updated settings.", body = SettingsDto,
            headers(("ETag" = String, description = "The settings' version, a strong tag: send it back as `If-Match`."))),
        (status = 412, description = "`precondition_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` on `daily_top_up.at` or `daily_top_up.timezone`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_settings(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    body: ApiJson<UpdateSettingsRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Resource::Settings, Action::Write)?;
    let precondition = conditional::precondition(&req)?;
    let body = body.0;
    let mut patch = SettingsPatch {
        auto_assign_new_leads: body.auto_assign_new_leads,
        precondition,
        ..SettingsPatch::default()
    };
    if let Some(top_up) = body.daily_top_up {
        let mut checks = FieldChecks::default();
        patch.top_up_enabled = top_up.enabled;
        patch.top_up_at = top_up
            .at
            .as_deref()
            .and_then(|at| checks.check("daily_top_up.at", parse_time(at)));
        patch.top_up_timezone = top_up
            .timezone
            .as_deref()
            .and_then(|z| checks.check("daily_top_up.timezone", parse_zone(z)));
        checks.finish()?;
    }
    settings::update_settings(&state.store, &actor.acting(), &patch).await?;
    current(&state, &actor).await
}

/// `HH:MM`, exactly: two digits each, 00:00 to 23:59.
fn parse_time(text: &str) -> Result<NaiveTime, Invalid> {
    let invalid = || Invalid::new("invalid", "a time of day as HH:MM, 00:00 to 23:59");
    // Exactly two digits, a colon, two digits: chrono alone also takes ` 9:30`.
    let shape = text.len() == 5
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 2 {
                b == b':'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(invalid());
    }
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| invalid())
}

/// A zone of the IANA database, by its canonical name (`Asia/Kolkata`, `UTC`).
fn parse_zone(text: &str) -> Result<String, Invalid> {
    text.parse::<chrono_tz::Tz>()
        .map(|zone| zone.name().to_owned())
        .map_err(|_| Invalid::new("invalid", "not an IANA time zone such as Asia/Kolkata"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_zones_are_checked() {
        assert_eq!(
            parse_time("09:30").unwrap(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        for bad in ["9:30", "24:00", "09:60", "0930", "09:30:00", ""] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_zone("Asia/Kolkata").unwrap(), "Asia/Kolkata");
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
