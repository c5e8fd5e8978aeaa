use domain::PasswordPolicy;
use persistence::Store;

use crate::metrics::Metrics;
use crate::ratelimit::SignInLimiter;
use crate::security::mpin::PinPepper;
use crate::security::passwords::PasswordHasher;
use crate::security::tokens::TokenKeys;

/// What every handler shares, behind `web::Data`.
pub struct AppState {
    pub store: Store,
    pub tokens: TokenKeys,
    pub hasher: PasswordHasher,
    pub pin_pepper: PinPepper,
    pub sign_in_limiter: SignInLimiter,
    pub metrics: Metrics,
    pub password_policy: PasswordPolicy,
    pub signup_open: bool,
    pub default_agent_limit: i32,
}
