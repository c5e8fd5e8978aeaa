//! Reading the audit trail, newest first.

use crate::entity::audit_event;
use crate::{StoreError, Tenant};
use domain::ActorKind;
use domain::queries::{AuditActor, AuditEventView, AuditFilter, PageRequest, Paged};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

impl Tenant<'_> {
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Paged<AuditEventView>, StoreError> {
        let mut query =
            audit_event::Entity::find().filter(audit_event::Column::CompanyId.eq(self.company_id));
        if let Some(actor_id) = filter.actor_id {
            query = query.filter(audit_event::Column::ActorId.eq(actor_id));
        }
        if let Some(action) = &filter.action {
            query = query.filter(if crate::query::storable(action) {
                audit_event::Column::Action.eq(action.as_str())
            } else {
                crate::query::matches_nothing()
            });
        }
        let total = query.clone().count(self.db).await?;
        let events = query
            .order_by_desc(audit_event::Column::Id)
            .limit(page.per_page)
            .offset(page.offset())
            .all(self.db)
            .await?;
        let items = events.into_iter().map(view).collect();
        Ok(Paged { items, total })
    }
}

fn view(event: audit_event::Model) -> AuditEventView {
    AuditEventView {
        id: event.id,
        at: event.at,
        action: event.action,
        actor: match (
            event.actor_type.as_deref().and_then(ActorKind::parse),
            event.actor_id,
            event.actor_name,
        ) {
            (Some(kind), Some(id), Some(name)) => Some(AuditActor { kind, id, name }),
            _ => None,
        },
        target: match (event.target_type, event.target_id, event.target_name) {
            (Some(kind), Some(id), Some(name)) => Some((kind, id, name)),
            _ => None,
        },
        changes: serde_json::from_str(&event.changes).unwrap_or_default(),
        ip: event.ip,
    }
}
