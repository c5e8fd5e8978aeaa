//! Signing in and out: the use cases behind `/signup` and `/auth/*`, and a user's own
//! sessions. The api keeps what belongs to HTTP (the rate limit, the tokens it signs, the
//! metrics); everything a sign-in decides and writes is here.
//!
//! A sign-in runs in up to three steps, so argon2's slow verify never holds a lock:
//! 1. charge the attempt (one short transaction that locks the user's row; see
//!    [`crate::lockout`]), which refuses a locked secret before it is even checked;
//! 2. verify the secret, outside any transaction (an unknown account pays the same verify);
//! 3. write the outcome in one transaction: the failure's audit events, or the success's
//!    cleared lockouts, device, session and `auth.login` event.

mod attempt;
mod devices;
mod identity;
mod mpin;
mod password;
mod session;
mod sign_up;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::{Locked, Name, Secret};

pub(crate) use attempt::{charge, record_wrong_secret};
pub use devices::{
    DeviceRecord, ListedDevice, MAX_DEVICES, Owner, beyond_limit, list_devices, remove_device,
};
pub use identity::{Identity, purge_forgotten_identities};
pub use mpin::{MpinSignIn, sign_in_with_mpin};
pub use password::{PasswordSignIn, sign_in_with_password};
pub use session::{
    PURGE_BATCH, Refreshed, SessionState, end_own_session, purge_ended_sessions, refresh, sign_out,
};
pub use sign_up::{
    NewAdmin, NewCompany, SignUp, SignedUp, SignedUpCompany, register_company, sign_up,
};

/// What a sign-in needs to know about the account it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub mpin_hash: Option<String>,
    pub banned: bool,
}

/// A registered device: what M-PIN sign-in needs besides the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
}

/// A device a password sign-in registers: its name and the hash of the token the client
/// gets (the api makes the token; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub name: Name,
    pub token_hash: String,
}

/// Who is signing in from where, as the session and the audit trail record it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// How long a session lives: `idle` without a refresh, and never longer than `max_age` from
/// its sign-in however often it is refreshed (a stolen refresh token dies with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle: Duration,
    pub max_age: Duration,
}

impl SessionLifetime {
    /// When a session signed in at `signed_in_at` and opened or refreshed at `now` ends.
    pub fn expiry(&self, signed_in_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        (now + self.idle).min(signed_in_at + self.max_age)
    }
}

/// A session to open: a signed-in device of the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub user_id: Uuid,
    pub device_id: Option<Uuid>,
    pub client: Client,
    pub lifetime: SessionLifetime,
}

/// A sign-in that opened a session, at refresh generation 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// The device the session signed in from, registered now or before.
    pub device: Option<Device>,
}

/// Why a sign-in, a refresh or a sign-out was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// An unknown company, email or device: answered like a wrong secret.
    #[error("invalid credentials")]
    UnknownAccount,
    /// A wrong secret, counted against its lockout; `locked` when this failure locked it.
    #[error("wrong {secret:?}")]
    WrongSecret { secret: Secret, locked: bool },
    /// The secret is locked: the attempt was not even checked.
    #[error("locked")]
    Locked(Locked),
    /// The right secret of a banned user.
    #[error("banned")]
    Banned,
    /// An M-PIN sign-in of a user who has none.
    #[error("no M-PIN set")]
    MpinNotSet,
    /// The session is unknown, used up, expired or revoked, or its user may no longer sign in.
    #[error("session ended")]
    SessionEnded,
}
