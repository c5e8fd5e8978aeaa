//! The time zones a company's daily top-up may use, for pickers.

use actix_web::dev::HttpServiceFactory;
use actix_web::web::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::Endpoint;
use crate::actor::Actor;

pub fn resources() -> impl HttpServiceFactory {
    Endpoint::new("/time-zones").get(list_time_zones).finish()
}

/// Every zone the server accepts, in alphabetical order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeZoneList {
    #[schema(value_type = Vec<crate::schema_rules::TimeZone>)]
    pub items: Vec<&'static str>,
}

/// Lists the IANA time zones `daily_top_up.timezone` accepts, for a picker. Any signed-in
/// user may read it: it is the same for everyone.
#[utoipa::path(get, path = "/api/v1/time-zones", operation_id = "listTimeZones", tag = "settings",
    security(("bearer_auth" = [])),
    responses((status = 200, description = "The zones, in alphabetical order.", body = TimeZoneList)))]
pub async fn list_time_zones(_actor: Actor) -> Json<TimeZoneList> {
    let mut items: Vec<_> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .collect();
    items.sort_unstable();
    Json(TimeZoneList { items })
}
