//! Argon2id password hashing on a small pool of low-priority threads.
//!
//! One hash or verify costs ~20-30 ms of CPU and 19 MiB of memory (OWASP's parameters,
//! argon2's defaults). Run on an actix worker it would stall every request sharing that
//! thread, so hashes run on their own threads, one per core by default: sign-ins use all the
//! CPU there is. Those threads run at the lowest scheduling priority (nice 19), so when a
//! sign-in flood and ordinary requests compete for a core, the ordinary requests win and stay
//! fast. A bounded queue in front keeps a flood from piling up unbounded work: past it,
//! sign-ins get 503 until the queue drains.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// Hashes waiting for a thread before new ones are refused.
const QUEUE: usize = 4096;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: SyncSender<Job>,
    /// A hash of a random secret nobody knows. Sign-ins for unknown emails verify against
    /// it, so they cost as much as a wrong password and timing does not reveal which
    /// accounts exist.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads; they end when the last clone of the hasher is dropped.
    pub fn new(threads: usize) -> Result<Self, ApiError> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&queue))
                .map_err(ApiError::internal)?;
        }
        let unguessable = uuid::Uuid::new_v4().to_string();
        Ok(Self {
            jobs,
            dummy_hash: hash_now(&unguessable)?.into(),
        })
    }

    /// Hashes a new secret into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        self.run(move || hash_now(&secret)).await?
    }

    /// Checks `secret` against `hash`, or against the dummy hash when there is no account or
    /// it has no password (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, secret: String, hash: Option<String>) -> Result<bool, ApiError> {
        // A user provisioned without a password has nothing to match: the same work, `false`.
        let hash = hash.filter(|hash| hash != domain::users::NO_PASSWORD);
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
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The requester may have gone away (a closed connection); nothing to tell then.
            let _ = reply.send(work());
        });
        self.jobs.try_send(job).map_err(|err| match err {
            TrySendError::Full(_) => {
                ApiError::Unavailable("the password-hashing queue is full".into())
            }
            TrySendError::Disconnected(_) => {
                ApiError::internal("the password-hashing threads are gone")
            }
        })?;
        answer.await.map_err(ApiError::internal)
    }
}

/// A hashing thread: lowest priority, then jobs until the queue closes.
fn work(queue: &Mutex<Receiver<Job>>) {
    if let Err(err) =
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
    {
        tracing::warn!(error = ?err, "could not lower the hashing thread's priority");
    }
    loop {
        let next = queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
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
