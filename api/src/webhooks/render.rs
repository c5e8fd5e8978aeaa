//! An event's body, `{id, type, occurred_at, company_id, data}`: `data` is the record as
//! `GET` shows it (the same DTOs), rendered at the first send and frozen by the store, or the
//! JSON fixed at the change (deletions, batches, distributions).

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::queries::{LeadQueries, RoleQueries, UserQueries};
use domain::webhooks::{DueDelivery, ResourceKind};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::dto::UserDto;
use crate::routes::leads::LeadDto;
use crate::routes::roles::RoleDto;
use crate::state::AppStore;

#[derive(Serialize)]
struct Body {
    id: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
    occurred_at: DateTime<Utc>,
    company_id: Uuid,
    data: Data,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Data {
    User(UserDto),
    Role(RoleDto),
    Lead(LeadDto),
    /// Fixed at the change, or `{id}` of a record gone by the first send.
    Json(Value),
}

/// The body of the delivery's event, as it is to be frozen.
pub async fn body(store: &AppStore, delivery: &DueDelivery) -> Result<String, DomainError> {
    let data = match (
        &delivery.fixed_data,
        delivery.event.resource(),
        delivery.subject_id,
    ) {
        (Some(fixed), _, _) => Data::Json(serde_json::from_str(fixed).map_err(DomainError::fault)?),
        (None, Some(kind), Some(id)) => match record(store, kind, delivery.company_id, id).await {
            Err(DomainError::NotFound) => Data::Json(serde_json::json!({ "id": id })),
            other => other?,
        },
        _ => {
            return Err(DomainError::fault(
                "an event with neither data nor a record",
            ));
        }
    };
    let body = Body {
        id: delivery.event_id,
        kind: delivery.event.as_str(),
        occurred_at: delivery.occurred_at,
        company_id: delivery.company_id,
        data,
    };
    serde_json::to_string(&body).map_err(DomainError::fault)
}

async fn record(
    store: &AppStore,
    kind: ResourceKind,
    company_id: Uuid,
    id: Uuid,
) -> Result<Data, DomainError> {
    Ok(match kind {
        ResourceKind::User => Data::User(store.user_view(company_id, id).await?.into()),
        ResourceKind::Role => Data::Role(store.role_view(company_id, id).await?.into()),
        ResourceKind::Lead => Data::Lead(store.lead_view(company_id, id).await?.into()),
    })
}
