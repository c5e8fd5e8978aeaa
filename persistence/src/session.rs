use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::session;
use crate::{StoreError, Tenant};

/// A device that just signed in.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: Uuid,
    pub device_id: Option<Uuid>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// How long the session lives without a refresh.
    pub idle_lifetime: Duration,
}

/// What presenting refresh token generation N of a session did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// N was current: the session moved to generation N+1.
    Rotated { user_id: Uuid, generation: i64 },
    /// N was already used: someone replayed an old token, so the session is now revoked.
    Reused,
    /// No live session (unknown, revoked or expired).
    Dead,
}

impl Tenant<'_> {
    /// Opens a session at refresh generation 0 and returns its id.
    pub async fn create_session(&self, new: NewSession) -> Result<Uuid, StoreError> {
        insert_session(self.db, self.company_id, new).await
    }

    /// Rotates the refresh token of `session_id` when `generation` is its current one.
    /// The compare-and-set in one UPDATE makes two concurrent refreshes with the same token
    /// end with exactly one rotation; the loser is then treated as a replay.
    pub async fn refresh_session(
        &self,
        session_id: Uuid,
        generation: i64,
        idle_lifetime: Duration,
    ) -> Result<Refresh, StoreError> {
        let now = Utc::now();
        let rotated = session::Entity::update_many()
            .col_expr(
                session::Column::RefreshGeneration,
                Expr::value(generation + 1),
            )
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(now + idle_lifetime))
            .filter(self.live_session(session_id, now))
            .filter(session::Column::RefreshGeneration.eq(generation))
            .exec(self.db)
            .await?;
        let current = session::Entity::find_by_id((self.company_id, session_id))
            .one(self.db)
            .await?;
        match current {
            Some(session) if rotated.rows_affected == 1 => Ok(Refresh::Rotated {
                user_id: session.user_id,
                generation: generation + 1,
            }),
            Some(session)
                if session.revoked_at.is_none()
                    && session.expires_at > now
                    && generation < session.refresh_generation =>
            {
                self.revoke_session(session_id).await?;
                Ok(Refresh::Reused)
            }
            _ => Ok(Refresh::Dead),
        }
    }

    /// Signs a device out: its access and refresh tokens stop working at once.
    pub async fn revoke_session(&self, session_id: Uuid) -> Result<(), StoreError> {
        let now = Utc::now();
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(self.live_session(session_id, now))
            .exec(self.db)
            .await?;
        Ok(())
    }

    fn live_session(&self, session_id: Uuid, now: chrono::DateTime<Utc>) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(session::Column::CompanyId.eq(self.company_id))
            .add(session::Column::Id.eq(session_id))
            .add(session::Column::RevokedAt.is_null())
            .add(session::Column::ExpiresAt.gt(now))
    }
}

/// Opens a session at refresh generation 0 and returns its id.
pub(crate) async fn insert_session(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    new: NewSession,
) -> Result<Uuid, StoreError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    session::Entity::insert(session::ActiveModel {
        company_id: Set(company_id),
        id: Set(id),
        user_id: Set(new.user_id),
        device_id: Set(new.device_id),
        refresh_generation: Set(0),
        user_agent: Set(new.user_agent),
        ip: Set(new.ip),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + new.idle_lifetime),
        revoked_at: Set(None),
    })
    .exec(db)
    .await?;
    Ok(id)
}
