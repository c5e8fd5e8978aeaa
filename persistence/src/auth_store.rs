// Over 400 lines until sign-in moves into domain use cases (issue 10): then its lockout, device and session writes become ports in auth/.
//! Sign-in state: lockout charges, registered devices, a user's own sessions and secrets.

use chrono::{DateTime, Utc};
use domain::{Guard, Locked, Secret};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{device, session, user};
use crate::session::insert_session;
use crate::write::record;
use crate::{NewSession, StoreError, Tenant};
use domain::queries::{PageRequest, Paged, SessionView};
use domain::{Actor, AuditEntry, AuditTarget};

/// How often a charge retries when a concurrent attempt changed the count first.
const CHARGE_RETRIES: usize = 50;

/// A sign-in event for the audit trail.
#[derive(Debug, Clone)]
pub struct SignInEvent {
    /// `auth.login`, `auth.login_failed`, `auth.locked` or `auth.mpin_locked`.
    pub action: &'static str,
    pub user_id: Uuid,
    pub user_name: String,
    pub device: Option<(Uuid, String)>,
    pub ip: Option<String>,
}

impl Tenant<'_> {
    /// Charges an attempt at `secret` (see `domain::lockout`): a compare-and-set on its
    /// failure count, so concurrent attempts on any replica are counted one by one.
    pub async fn charge(
        &self,
        secret: Secret,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Result<Guard, Locked>, StoreError> {
        let count = match secret {
            Secret::Password => user::Column::FailedLogins,
            Secret::Mpin => user::Column::FailedMpins,
        };
        for _ in 0..CHARGE_RETRIES {
            let row = self.user_row(user_id).await?;
            let (failures, locked_until) = match secret {
                Secret::Password => (row.failed_logins, row.locked_until),
                Secret::Mpin => (row.failed_mpins, None),
            };
            let guard = Guard {
                failures: u32::try_from(failures).unwrap_or(0),
                locked_until,
            };
            let charged = match guard.charge(secret, now) {
                Ok(charged) => charged,
                Err(locked) => return Ok(Err(locked)),
            };
            let mut swap = user::Entity::update_many().col_expr(
                count,
                Expr::value(i32::try_from(charged.failures).unwrap_or(i32::MAX)),
            );
            if secret == Secret::Password {
                swap = swap.col_expr(user::Column::LockedUntil, Expr::value(charged.locked_until));
            }
            let swapped = swap
                .filter(user::Column::CompanyId.eq(self.company_id))
                .filter(user::Column::Id.eq(user_id))
                .filter(count.eq(failures))
                .exec(self.db)
                .await?;
            if swapped.rows_affected == 1 {
                return Ok(Ok(charged));
            }
        }
        Err(StoreError::Database(sea_orm::DbErr::Custom(format!(
            "{secret:?} charge kept losing races"
        ))))
    }

    /// Clears the lockouts a right secret clears: a password clears both (it also unlocks a
    /// locked M-PIN), an M-PIN only its own. For sign-ins that end without a session (a
    /// banned user); [`Tenant::complete_sign_in`] does it for the others.
    pub async fn clear_lockouts(
        &self,
        user_id: Uuid,
        password_too: bool,
    ) -> Result<(), StoreError> {
        reset_guards(self.db, self.company_id, user_id, password_too).await
    }

    /// Everything a successful sign-in writes, in one transaction: the lockouts cleared, the
    /// device registered or touched, the session opened and the `auth.login` event.
    pub async fn complete_sign_in(&self, success: SignInSuccess) -> Result<SignedIn, StoreError> {
        let txn = self.db.begin().await?;
        let now = Utc::now();
        let (password_too, device) = match success.method {
            SignInMethod::Password {
                register_device: None,
            } => (true, None),
            SignInMethod::Password {
                register_device: Some((name, token_hash)),
            } => {
                let id = Uuid::now_v7();
                device::Entity::insert(device::ActiveModel {
                    company_id: Set(self.company_id),
                    id: Set(id),
                    user_id: Set(success.user_id),
                    name: Set(name.clone()),
                    token_hash: Set(token_hash),
                    created_at: Set(now),
                    last_used_at: Set(now),
                })
                .exec(&txn)
                .await?;
                (true, Some((id, name)))
            }
            SignInMethod::Mpin { device: (id, name) } => {
                device::Entity::update_many()
                    .col_expr(device::Column::LastUsedAt, Expr::value(now))
                    .filter(device::Column::CompanyId.eq(self.company_id))
                    .filter(device::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
                (false, Some((id, name)))
            }
        };
        reset_guards(&txn, self.company_id, success.user_id, password_too).await?;
        let session = NewSession {
            device_id: device.as_ref().map(|d| d.0),
            ..success.session
        };
        let session_id = insert_session(&txn, self.company_id, session).await?;
        let event = SignInEvent {
            action: "auth.login",
            user_id: success.user_id,
            user_name: success.user_name,
            device: device.clone(),
            ip: success.ip,
        };
        record_sign_in(&txn, self.company_id, event).await?;
        txn.commit().await?;
        Ok(SignedIn {
            session_id,
            device_id: device.map(|d| d.0),
        })
    }

    async fn user_row(&self, user_id: Uuid) -> Result<user::Model, StoreError> {
        user::Entity::find_by_id((self.company_id, user_id))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The user's device with this token hash: another user's device is no device at all.
    pub async fn find_device(
        &self,
        user_id: Uuid,
        token_hash: &str,
    ) -> Result<Option<(Uuid, String)>, StoreError> {
        let found = device::Entity::find()
            .filter(device::Column::CompanyId.eq(self.company_id))
            .filter(device::Column::TokenHash.eq(token_hash))
            .filter(device::Column::UserId.eq(user_id))
            .one(self.db)
            .await?;
        Ok(found.map(|d| (d.id, d.name)))
    }

    /// Records `auth.login_failed`, `auth.locked` or `auth.mpin_locked`.
    pub async fn record_sign_in(&self, event: SignInEvent) -> Result<(), StoreError> {
        record_sign_in(self.db, self.company_id, event).await
    }

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

    /// Ends one of the user's own sessions; another user's session is `NotFound`.
    pub async fn revoke_own_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<(), StoreError> {
        let ended = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::CompanyId.eq(self.company_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.db)
            .await?;
        if ended.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

/// How a sign-in proved who it is.
#[derive(Debug, Clone)]
pub enum SignInMethod {
    /// A password, optionally registering this device (its name and token hash).
    Password {
        register_device: Option<(String, String)>,
    },
    /// An M-PIN on this registered device (its id and name).
    Mpin { device: (Uuid, String) },
}

/// A sign-in whose secret checked out, for a user who may sign in.
#[derive(Debug, Clone)]
pub struct SignInSuccess {
    pub user_id: Uuid,
    pub user_name: String,
    pub ip: Option<String>,
    pub method: SignInMethod,
    /// The session to open; its device is filled in from `method`.
    pub session: NewSession,
}

#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    pub session_id: Uuid,
    pub device_id: Option<Uuid>,
}

async fn reset_guards(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    user_id: Uuid,
    password_too: bool,
) -> Result<(), StoreError> {
    let mut update =
        user::Entity::update_many().col_expr(user::Column::FailedMpins, Expr::value(0));
    if password_too {
        update = update
            .col_expr(user::Column::FailedLogins, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
    }
    update
        .filter(user::Column::CompanyId.eq(company_id))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn record_sign_in(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    event: SignInEvent,
) -> Result<(), StoreError> {
    let actor = Actor {
        company_id,
        user_id: event.user_id,
        name: event.user_name.clone(),
        permissions: domain::PermissionSet::empty(),
        ip: event.ip,
    };
    let target = match event.device {
        Some((id, name)) => AuditTarget {
            kind: "device",
            id,
            name,
        },
        None => AuditTarget {
            kind: "user",
            id: event.user_id,
            name: event.user_name,
        },
    };
    let entry = AuditEntry {
        action: event.action,
        target: Some(target),
        changes: Vec::new(),
    };
    record(db, company_id, &actor, entry).await
}
