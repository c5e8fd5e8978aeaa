//! Identities that are no account: an unknown company, or no such email in it. Their password
//! failures are counted and locked as an account's are, and cost the same database work, so
//! that neither an answer nor its timing tells whether an account exists.

use chrono::{DateTime, Duration, Utc};

use super::Refusal;
use super::session::PURGE_BATCH;
use crate::lockout::FAILURES_FORGOTTEN_AFTER_HOURS;
use crate::ports::{Clock, Commit, Housekeeping, IdentityGuard, IdentityGuards};
use crate::{CompanyCode, DomainError, Email, Guard, Secret};

/// The identity a sign-in names, as typed: the company code and email, normalised as they
/// are stored (one that does not parse: trimmed, lower-cased, at most 254 characters). The
/// password failures of an identity that is no account are counted and locked by it exactly
/// as an account's are, so no answer tells whether it exists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    pub company: String,
    pub email: String,
}

impl Identity {
    pub fn of(company: &str, email: &str) -> Self {
        Self {
            company: CompanyCode::parse(company)
                .map_or_else(|_| normalised(company), |code| code.as_str().to_owned()),
            email: Email::parse(email)
                .map_or_else(|_| normalised(email), |email| email.as_str().to_owned()),
        }
    }
}

/// A value that is no valid code or email, kept to a bounded size, without NUL characters:
/// PostgreSQL's text cannot hold them, and a sign-in naming one must be refused like any
/// other unknown identity, not fail (no valid code or email contains one).
fn normalised(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c != '\0')
        .take(254)
        .collect()
}

/// Charges a password attempt at an identity that is no account, as [`super::charge`] does an
/// account's: the same lock, the same rule, one short transaction.
pub(super) async fn charge_identity(
    store: &impl IdentityGuards,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<Guard, DomainError> {
    let mut tx = store.begin_identity(identity).await?;
    let guard = tx.lock_identity_guard().await?;
    let charged = guard
        .charge(Secret::Password, now)
        .map_err(|locked| DomainError::SignIn(Refusal::Locked(locked)))?;
    tx.save_identity_guard(charged).await?;
    tx.commit().await?;
    Ok(charged)
}

/// The outcome of a wrong password at an identity that is no account. The charge counted it
/// already and there is no audit trail to write it to; the guard's row is locked (written)
/// once more, unchanged, so that this failure, like a known account's (whose events
/// `record_wrong_secret` writes), commits one write after the verify: how long an answer
/// takes tells nothing about whether the account exists. (Unchanged: concurrent attempts may
/// have charged the guard further meanwhile.)
pub(super) async fn record_identity_failure(
    store: &impl IdentityGuards,
    identity: &Identity,
    charged: Guard,
) -> Result<DomainError, DomainError> {
    let mut tx = store.begin_identity(identity).await?;
    tx.lock_identity_guard().await?;
    tx.commit().await?;
    let locked = charged.locks_if_wrong();
    let secret = Secret::Password;
    Ok(DomainError::SignIn(Refusal::WrongSecret { secret, locked }))
}

/// Deletes the guards of identities that are no account whose last failure is a day old or
/// older, at most [`PURGE_BATCH`] of them; how many. Their failures are forgotten by then
/// (see [`crate::lockout`]), so a purged guard and a kept one answer alike.
pub async fn purge_forgotten_identities(
    store: &impl Housekeeping,
    clock: &impl Clock,
) -> Result<u64, DomainError> {
    let forgotten_before = clock.now() - Duration::hours(FAILURES_FORGOTTEN_AFTER_HOURS);
    store
        .purge_identity_guards(forgotten_before, PURGE_BATCH)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_identity_is_kept_without_nul_characters() {
        let identity = Identity::of(" A\0cme ", "no\0body");
        assert_eq!(identity.company, "acme");
        assert_eq!(identity.email, "nobody");
    }
}
