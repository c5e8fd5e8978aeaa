//! The actor behind an access token, read on every request in ONE query returning one row:
//! the user, their live session, their role and the role's permissions (joined into one text
//! by the database). `GET /me` reads the same with the user's view and company.

use chrono::Utc;
use domain::queries::{ActorRecord, CompanyRecord, MeRecord};
use domain::{Permission, PermissionSet, role_permissions};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoIden, Query, SelectStatement, SubQueryStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use uuid::Uuid;

use crate::entity::{company, role, role_permission, session, user};
use crate::users::{ROLE_ALIAS, user_view_from_row};
use crate::{StoreError, Tenant};

/// Separates the permissions in the `permissions` column (no permission contains it).
const PERMISSION_SEPARATOR: &str = ",";

impl Tenant<'_> {
    /// Loads the actor behind an access token. `None` when the user is gone or banned, or
    /// the session is revoked or expired: that is what makes a ban, a delete or a sign-out
    /// bite on the very next request, whatever the token's own expiry says.
    pub async fn actor(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<ActorRecord>, StoreError> {
        let query = Query::select()
            .column((user::Entity, user::Column::Name))
            .column((user::Entity, user::Column::RoleId))
            .column((role::Entity, role::Column::System))
            .from(user::Entity)
            .inner_join(
                role::Entity,
                Expr::col((role::Entity, role::Column::CompanyId))
                    .equals((user::Entity, user::Column::CompanyId))
                    .and(
                        Expr::col((role::Entity, role::Column::Id))
                            .equals((user::Entity, user::Column::RoleId)),
                    ),
            )
            .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(self.company_id))
            .take();
        let Some(row) = self.acting_row(query, user_id, session_id).await? else {
            return Ok(None);
        };
        actor_from_row(&row, user_id, session_id).map(Some)
    }

    /// [`Tenant::actor`] with the user's view and the company's name and code, in one query.
    pub async fn me(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<MeRecord>, StoreError> {
        let query = self
            .user_select()
            .expr_as(
                Expr::col((Alias::new(ROLE_ALIAS), role::Column::System)),
                "system",
            )
            .expr_as(
                Expr::col((company::Entity, company::Column::Name)),
                "company_name",
            )
            .expr_as(
                Expr::col((company::Entity, company::Column::Code)),
                "company_code",
            )
            .inner_join(
                company::Entity,
                Expr::col((company::Entity, company::Column::Id))
                    .equals((user::Entity, user::Column::CompanyId)),
            )
            .take();
        let Some(row) = self.acting_row(query, user_id, session_id).await? else {
            return Ok(None);
        };
        Ok(Some(MeRecord {
            actor: actor_from_row(&row, user_id, session_id)?,
            user: user_view_from_row(&row)?,
            company: CompanyRecord {
                id: self.company_id,
                name: row.try_get("", "company_name")?,
                code: row.try_get("", "company_code")?,
            },
        }))
    }

    /// The row of `query` narrowed by [`in_live_session`], unless its user is banned.
    async fn acting_row(
        &self,
        mut query: SelectStatement,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<QueryResult>, StoreError> {
        let backend = self.db.get_database_backend();
        in_live_session(&mut query, user_id, session_id, backend);
        let Some(row) = self.db.query_one_raw(backend.build(&query)).await? else {
            return Ok(None);
        };
        let banned: bool = row.try_get("", "user_banned")?;
        Ok((!banned).then_some(row))
    }
}

/// Narrows a query over `users` (with `role_id` and the role's `system` selected) to the user
/// in a session neither revoked nor expired, and selects `banned` and the role's stored
/// permissions (`permissions`). Whether the user is banned is read, not filtered on: with
/// `banned` in the WHERE clause SQLite's planner, seeing one user per company on average
/// (10,000 small companies), read a large company's users through `users_fairest` (company,
/// banned, ...) and tested each id, instead of the primary key.
fn in_live_session(
    query: &mut SelectStatement,
    user_id: Uuid,
    session_id: Uuid,
    backend: DbBackend,
) {
    query
        .expr_as(stored_permissions(backend), "permissions")
        .expr_as(
            Expr::col((user::Entity, user::Column::Banned)),
            "user_banned",
        )
        .inner_join(
            session::Entity,
            Expr::col((session::Entity, session::Column::CompanyId))
                .equals((user::Entity, user::Column::CompanyId))
                .and(
                    Expr::col((session::Entity, session::Column::UserId))
                        .equals((user::Entity, user::Column::Id)),
                ),
        )
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .and_where(Expr::col((session::Entity, session::Column::Id)).eq(session_id))
        .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
        .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(Utc::now()));
}

/// The permissions stored for the user's role, joined into one text (`NULL` when none are:
/// the system role holds the catalogue by construction, never rows).
fn stored_permissions(backend: DbBackend) -> Expr {
    let joined = match backend {
        DbBackend::Sqlite => "group_concat",
        _ => "string_agg",
    };
    let permission = Expr::col((role_permission::Entity, role_permission::Column::Permission));
    let list = Query::select()
        .expr(
            Func::cust(joined.into_iden())
                .arg(permission)
                .arg(PERMISSION_SEPARATOR),
        )
        .from(role_permission::Entity)
        .and_where(
            Expr::col((role_permission::Entity, role_permission::Column::CompanyId))
                .equals((user::Entity, user::Column::CompanyId)),
        )
        .and_where(
            Expr::col((role_permission::Entity, role_permission::Column::RoleId))
                .equals((user::Entity, user::Column::RoleId)),
        )
        .take();
    Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(list)))
}

fn actor_from_row(
    row: &QueryResult,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<ActorRecord, StoreError> {
    let system = row.try_get("", "system")?;
    let stored: Option<String> = row.try_get("", "permissions")?;
    // A permission this build does not know (written by a newer version) grants nothing here
    // rather than failing the request.
    let permissions = stored
        .iter()
        .flat_map(|joined| joined.split(PERMISSION_SEPARATOR))
        .filter_map(|text| text.parse::<Permission>().ok())
        .fold(PermissionSet::empty(), |mut set, permission| {
            set.insert(permission);
            set
        });
    Ok(ActorRecord {
        user_id,
        name: row.try_get("", "name")?,
        session_id,
        role_id: row.try_get("", "role_id")?,
        permissions: role_permissions(system, permissions),
    })
}
