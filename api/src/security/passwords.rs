//! Argon2id password hashing, off the async workers and behind a bound.
//!
//! One hash or verify costs ~20 ms of CPU and 19 MiB of memory (OWASP's parameters, argon2's
//! defaults). Run on an actix worker it would stall every request sharing that thread, so it
//! runs on the blocking pool; a semaphore sized to the cores keeps a sign-in flood from
//! queuing hundreds of hashes (and their memory) at once.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::Semaphore;

use crate::error::ApiError;

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash of a random secret nobody knows. Sign-ins for unknown emails verify against
    /// it, so they cost as much as a wrong password and timing does not reveal which
    /// accounts exist.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Result<Self, ApiError> {
        let unguessable = uuid::Uuid::new_v4().to_string();
        let dummy_hash = hash_now(&unguessable)?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new secret into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        self.run(move || hash_now(&secret)).await?
    }

    /// Checks `secret` against `hash`, or against the dummy hash when there is no account
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, secret: String, hash: Option<String>) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .run(move || {
                Argon2::default()
                    .verify_password(secret.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        actix_web::web::block(work)
            .await
            .map_err(ApiError::internal)
    }
}

fn hash_now(secret: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal(format!("argon2: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_hash_verifies_its_secret_only() {
        let hasher = PasswordHasher::new(2).expect("hasher");
        let hash = hasher.hash("correct horse".into()).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse".into(), Some(hash))
                .await
                .expect("verify")
        );
    }

    #[actix_web::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(1).expect("hasher");
        assert!(
            !hasher
                .verify("anything".into(), None)
                .await
                .expect("verify")
        );
    }
}
