use chrono::Utc;
use domain::queries::ActorRecord;
use domain::{Permission, PermissionSet, role_permissions};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::entity::{role, role_permission, session, user};
use crate::{StoreError, Tenant};

impl Tenant<'_> {
    /// Loads the actor behind an access token in ONE query (user, live session, role and its
    /// stored permissions, one row per permission; the system role holds the catalogue). `None` when the user is gone or banned, or the
    /// session is revoked or expired: that is what makes a ban, a delete or a sign-out bite on
    /// the very next request, whatever the token's own expiry says.
    pub async fn actor(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<ActorRecord>, StoreError> {
        let query = Query::select()
            .column((user::Entity, user::Column::Name))
            .column((user::Entity, user::Column::RoleId))
            .column((role::Entity, role::Column::System))
            .column((role_permission::Entity, role_permission::Column::Permission))
            .from(user::Entity)
            .inner_join(
                session::Entity,
                Expr::col((session::Entity, session::Column::CompanyId))
                    .equals((user::Entity, user::Column::CompanyId))
                    .and(
                        Expr::col((session::Entity, session::Column::UserId))
                            .equals((user::Entity, user::Column::Id)),
                    ),
            )
            .inner_join(
                role::Entity,
                Expr::col((role::Entity, role::Column::CompanyId))
                    .equals((user::Entity, user::Column::CompanyId))
                    .and(
                        Expr::col((role::Entity, role::Column::Id))
                            .equals((user::Entity, user::Column::RoleId)),
                    ),
            )
            .left_join(
                role_permission::Entity,
                Expr::col((role_permission::Entity, role_permission::Column::CompanyId))
                    .equals((user::Entity, user::Column::CompanyId))
                    .and(
                        Expr::col((role_permission::Entity, role_permission::Column::RoleId))
                            .equals((user::Entity, user::Column::RoleId)),
                    ),
            )
            .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(self.company_id))
            .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
            .and_where(Expr::col((user::Entity, user::Column::Banned)).eq(false))
            .and_where(Expr::col((session::Entity, session::Column::Id)).eq(session_id))
            .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
            .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(Utc::now()))
            .take();
        let statement = self.db.get_database_backend().build(&query);
        let rows = self.db.query_all_raw(statement).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let role_id = first.try_get("", "role_id")?;
        let name = first.try_get("", "name")?;
        let system = first.try_get("", "system")?;
        let mut permissions = PermissionSet::empty();
        for row in &rows {
            let text: Option<String> = row.try_get("", "permission")?;
            // A permission this build does not know (written by a newer version) grants
            // nothing here rather than failing the request.
            if let Some(permission) = text.and_then(|t| t.parse::<Permission>().ok()) {
                permissions.insert(permission);
            }
        }
        Ok(Some(ActorRecord {
            user_id,
            name,
            session_id,
            role_id,
            permissions: role_permissions(system, permissions),
        }))
    }
}
