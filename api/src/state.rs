use chrono::{DateTime, Utc};
use domain::ports::{Clock, SecretHasher};
use domain::{DomainError, Mpin, Password, PasswordPolicy};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::SignInLimiter;
use crate::security::mpin::PinPepper;
use crate::security::passwords::PasswordHasher;
use crate::security::tokens::TokenKeys;

/// The storage the server runs on, chosen here at start-up. Handlers reach it through
/// `domain`'s ports and queries; the scheduler holds this concrete type because it spawns its
/// futures, and only the concrete store's futures are known to be `Send` (the traits'
/// `async fn`s promise nothing about it).
pub type AppStore = persistence::Store;

/// What every handler shares, behind `web::Data`.
pub struct AppState {
    pub store: AppStore,
    pub tokens: TokenKeys,
    /// How long sessions live: idle, and at most from their sign-in.
    pub session_lifetime: domain::auth::SessionLifetime,
    pub hasher: PasswordHasher,
    pub pin_pepper: PinPepper,
    pub sign_in_limiter: SignInLimiter,
    /// The proxies whose `X-Forwarded-For` is believed (see `client_address`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub metrics: Metrics,
    pub password_policy: PasswordPolicy,
    pub signup_open: bool,
    pub default_agent_limit: i32,
    /// Where webhooks may send (`CALLIYO_WEBHOOKS_ALLOW_HTTP`).
    pub webhook_destinations: domain::webhooks::Destinations,
}

/// The use cases' [`SecretHasher`]: argon2id on the hashing threads, an M-PIN keyed with the
/// pepper first.
impl SecretHasher for AppState {
    async fn hash_password(&self, password: &Password) -> Result<String, DomainError> {
        self.hasher
            .hash(password.expose().to_owned())
            .await
            .map_err(hashing_failed)
    }

    async fn hash_mpin(&self, mpin: &Mpin) -> Result<String, DomainError> {
        self.hasher
            .hash(self.pin_pepper.apply(mpin.expose()))
            .await
            .map_err(hashing_failed)
    }

    async fn verify_password(
        &self,
        candidate: &str,
        hash: Option<&str>,
    ) -> Result<bool, DomainError> {
        self.hasher
            .verify(candidate.to_owned(), hash.map(str::to_owned))
            .await
            .map_err(hashing_failed)
    }

    async fn verify_mpin(&self, candidate: &str, hash: Option<&str>) -> Result<bool, DomainError> {
        self.hasher
            .verify(self.pin_pepper.apply(candidate), hash.map(str::to_owned))
            .await
            .map_err(hashing_failed)
    }
}

fn hashing_failed(err: ApiError) -> DomainError {
    match err {
        ApiError::Unavailable(_) => DomainError::Overloaded("the password-hashing queue is full"),
        other => DomainError::fault(other),
    }
}

/// The use cases' [`Clock`]: the system's.
impl Clock for AppState {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
