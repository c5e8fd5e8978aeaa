//! A user's own sessions, as `/me/sessions` lists them.

use chrono::Utc;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use uuid::Uuid;

use crate::entity::{device, session};
use crate::{StoreError, Tenant};
use domain::queries::{PageRequest, Paged, SessionView};

impl Tenant<'_> {
    /// The user's live sessions, newest first, with the device each one signed in from.
    pub async fn list_sessions(
        &self,
        user_id: Uuid,
        page: PageRequest,
    ) -> Result<Paged<SessionView>, StoreError> {
        let now = Utc::now();
        let live = |query: &mut sea_orm::sea_query::SelectStatement| {
            query
                .and_where(
                    Expr::col((session::Entity, session::Column::CompanyId)).eq(self.company_id),
                )
                .and_where(Expr::col((session::Entity, session::Column::UserId)).eq(user_id))
                .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
                .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now));
        };
        let backend = self.db.get_database_backend();
        let mut count = Query::select();
        count
            .expr_as(
                Expr::col((session::Entity, session::Column::Id)).count(),
                "total",
            )
            .from(session::Entity);
        live(&mut count);
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let dev = Alias::new("dev");
        let mut query = Query::select();
        query
            .columns(
                [
                    session::Column::Id,
                    session::Column::DeviceId,
                    session::Column::UserAgent,
                    session::Column::Ip,
                    session::Column::CreatedAt,
                    session::Column::LastSeenAt,
                ]
                .map(|c| (session::Entity, c)),
            )
            .expr_as(
                Expr::col((dev.clone(), device::Column::Name)),
                "device_name",
            )
            .from(session::Entity)
            .join_as(
                sea_orm::JoinType::LeftJoin,
                device::Entity,
                dev.clone(),
                Expr::col((dev.clone(), device::Column::CompanyId))
                    .equals((session::Entity, session::Column::CompanyId))
                    .and(
                        Expr::col((dev.clone(), device::Column::Id))
                            .equals((session::Entity, session::Column::DeviceId)),
                    ),
            )
            .order_by((session::Entity, session::Column::Id), Order::Desc)
            .limit(page.per_page)
            .offset(page.offset());
        live(&mut query);
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(SessionView {
                    id: row.try_get("", "id")?,
                    device_id: row.try_get("", "device_id")?,
                    device_name: row.try_get("", "device_name")?,
                    user_agent: row.try_get("", "user_agent")?,
                    ip: row.try_get("", "ip")?,
                    created_at: row.try_get("", "created_at")?,
                    last_seen_at: row.try_get("", "last_seen_at")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }
}
