//! A session after its sign-in: refreshed (the refresh token rotates), ended by its device,
//! or ended by its user from another device.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Refusal, SessionLifetime};
use crate::ports::{Clock, Commit, Housekeeping, Sessions, Store, Users};
use crate::{DomainError, rules};

/// A stored session, as refreshing it reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub user_id: Uuid,
    /// When its sign-in happened: it ends `max_age` after, refreshed or not.
    pub signed_in_at: DateTime<Utc>,
    /// The device it signed in on, if any.
    pub device_id: Option<Uuid>,
    /// The refresh token generation that may be used next.
    pub generation: i64,
    /// Neither revoked nor expired.
    pub live: bool,
}

/// A refresh that rotated the session to `generation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    pub user_id: Uuid,
    pub generation: i64,
}

/// Exchanges generation `generation` of a session's refresh token for the next one, and
/// slides the session's end to `lifetime.idle` from now, but never past `lifetime.max_age`
/// from its sign-in: a session that old ends instead.
///
/// Only the current generation rotates (a compare-and-set, so of two concurrent refreshes
/// with one token exactly one wins). An older one is a replay (the token was stolen, or the
/// loser of that race): the whole session ends. A session whose user was banned or deleted
/// is refused even though its token was current.
pub async fn refresh(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    session_id: Uuid,
    generation: i64,
    lifetime: SessionLifetime,
) -> Result<Refreshed, DomainError> {
    let now = clock.now();
    let mut tx = store.begin(company_id).await?;
    // The write comes first (SQLite takes its write lock before any read); the age cap is
    // applied to the session it returns.
    let rotated = tx
        .rotate_session(session_id, generation, now + lifetime.idle, now)
        .await?;
    let Some(rotated) = rotated else {
        let replayed = tx
            .session(session_id, now)
            .await?
            .is_some_and(|s| s.live && generation < s.generation);
        if replayed {
            tx.end_session(session_id, now).await?;
            tx.commit().await?;
        }
        return Err(DomainError::SignIn(Refusal::SessionEnded));
    };
    let (user_id, expiry) = (rotated.user_id, lifetime.expiry(rotated.signed_in_at, now));
    if expiry <= now {
        tx.end_session(session_id, now).await?;
        tx.commit().await?;
        return Err(DomainError::SignIn(Refusal::SessionEnded));
    }
    tx.set_session_expiry(session_id, expiry).await?;
    let may_sign_in = match tx.account(user_id).await? {
        Some(account) => rules::may_sign_in(account.banned).is_ok(),
        None => false,
    };
    // The rotation stands either way: the presented token is used up.
    tx.commit().await?;
    if !may_sign_in {
        return Err(DomainError::SignIn(Refusal::SessionEnded));
    }
    Ok(Refreshed {
        user_id,
        generation: generation + 1,
    })
}

/// How long an ended session is kept before the purge deletes it. Nothing reads it any more
/// (a replayed token of it is refused either way); the day leaves room to look into an
/// incident.
const ENDED_SESSION_KEPT_HOURS: i64 = 24;

/// Sessions deleted per purge, so that one pass never holds the database for long.
pub const PURGE_BATCH: u64 = 10_000;

/// Deletes sessions that ended a day ago or earlier, at most [`PURGE_BATCH`] of them; how
/// many. (Removed devices are deleted rows already.)
pub async fn purge_ended_sessions(
    store: &impl Housekeeping,
    clock: &impl Clock,
) -> Result<u64, DomainError> {
    let ended_before = clock.now() - chrono::Duration::hours(ENDED_SESSION_KEPT_HOURS);
    store.purge_sessions(ended_before, PURGE_BATCH).await
}

/// Signs a device out: its access and refresh tokens stop working at once. Ending a session
/// that already ended is no error.
pub async fn sign_out(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    session_id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    tx.end_session(session_id, clock.now()).await?;
    tx.commit().await
}

/// Ends one of the user's own live sessions; anyone else's, or an ended one, is not found.
pub async fn end_own_session(
    store: &impl Store,
    clock: &impl Clock,
    company_id: Uuid,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<(), DomainError> {
    let mut tx = store.begin(company_id).await?;
    if !tx.end_own_session(user_id, session_id, clock.now()).await? {
        return Err(DomainError::NotFound);
    }
    tx.commit().await
}
