//! [`Sessions`]: a user's signed-in devices and their refresh tokens.

use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::auth::{NewSession, SessionState};
use domain::ports::Sessions;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::session;
use crate::tx::SeaTx;

impl Sessions for SeaTx {
    async fn revoke_sessions(&mut self, user_id: Uuid) -> Result<(), DomainError> {
        self.revoke_sessions_but(user_id, None).await
    }

    async fn revoke_other_sessions(
        &mut self,
        user_id: Uuid,
        keep: Uuid,
    ) -> Result<(), DomainError> {
        self.revoke_sessions_but(user_id, Some(keep)).await
    }

    async fn open_session(
        &mut self,
        new: &NewSession,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError> {
        let id = Uuid::now_v7();
        session::Entity::insert(session::ActiveModel {
            company_id: Set(self.company_id),
            id: Set(id),
            user_id: Set(new.user_id),
            device_id: Set(new.device_id),
            refresh_generation: Set(0),
            user_agent: Set(new.client.user_agent.clone()),
            ip: Set(new.client.ip.clone()),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(new.lifetime.expiry(now, now)),
            revoked_at: Set(None),
        })
        .exec(&self.txn)
        .await
        .map_err(StoreError::from)?;
        Ok(id)
    }

    /// One UPDATE whose WHERE holds the expected generation: of two concurrent refreshes
    /// with one token, exactly one changes the row.
    async fn rotate_session(
        &mut self,
        id: Uuid,
        generation: i64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError> {
        let rotated = session::Entity::update_many()
            .col_expr(
                session::Column::RefreshGeneration,
                Expr::value(generation + 1),
            )
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
            .filter(self.live_session(id, now))
            .filter(session::Column::RefreshGeneration.eq(generation))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        if rotated.rows_affected != 1 {
            return Ok(None);
        }
        self.session(id, now).await
    }

    async fn session(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError> {
        let found = session::Entity::find_by_id((self.company_id, id))
            .one(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(found.map(|s| SessionState {
            user_id: s.user_id,
            signed_in_at: s.created_at,
            device_id: s.device_id,
            generation: s.refresh_generation,
            live: s.revoked_at.is_none() && s.expires_at > now,
        }))
    }

    async fn set_session_expiry(
        &mut self,
        id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
            .filter(session::Column::CompanyId.eq(self.company_id))
            .filter(session::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    async fn end_session(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError> {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(self.live_session(id, now))
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    async fn end_own_session(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let ended = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::CompanyId.eq(self.company_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(StoreError::from)?;
        Ok(ended.rows_affected == 1)
    }
}

impl SeaTx {
    /// Ends the user's live sessions, all of them or all but `keep`.
    async fn revoke_sessions_but(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), DomainError> {
        let mut revoke = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::CompanyId.eq(self.company_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null());
        if let Some(keep) = keep {
            revoke = revoke.filter(session::Column::Id.ne(keep));
        }
        revoke.exec(&self.txn).await.map_err(StoreError::from)?;
        Ok(())
    }

    fn live_session(&self, id: Uuid, now: DateTime<Utc>) -> Condition {
        Condition::all()
            .add(session::Column::CompanyId.eq(self.company_id))
            .add(session::Column::Id.eq(id))
            .add(session::Column::RevokedAt.is_null())
            .add(session::Column::ExpiresAt.gt(now))
    }
}
