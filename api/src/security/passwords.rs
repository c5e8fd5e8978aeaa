//! Argon2id password hashing on a small pool of low-priority threads.
//!
//! One hash or verify costs ~20-30 ms of CPU and 19 MiB of memory (OWASP's parameters,
//! argon2's defaults). Run on an actix worker it would stall every request sharing that
//! thread, so hashes run on their own threads, one per core by default: sign-ins use all the
//! CPU there is. Those threads run at the lowest scheduling priority (nice 19), so when a
//! sign-in flood and ordinary requests compete for a core, the ordinary requests win and stay
//! fast. A bounded queue in front keeps a flood from piling up unbounded work: past it,
//! sign-ins get 503 until the queue drains. Each thread keeps its 19 MiB of working memory
//! between hashes (see `Workspace`).

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// Hashes waiting for a thread before new ones are refused.
const QUEUE: usize = 4096;

type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

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
            dummy_hash: Workspace::default().hash(&unguessable)?.into(),
        })
    }

    /// Hashes a new secret into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        self.run(move |workspace| workspace.hash(&secret)).await?
    }

    /// Checks `secret` against `hash`, or against the dummy hash when there is no account or
    /// it has no password (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, secret: String, hash: Option<String>) -> Result<bool, ApiError> {
        // A user provisioned without a password has nothing to match: the same work, `false`.
        let hash = hash.filter(|hash| hash != domain::users::NO_PASSWORD);
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .run(move |workspace| workspace.verifies(&secret, &hash))
            .await?;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |workspace| {
            // The requester may have gone away (a closed connection); nothing to tell then.
            let _ = reply.send(work(workspace));
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

/// A hashing thread: lowest priority, then jobs until the queue closes, all in one workspace.
fn work(queue: &Mutex<Receiver<Job>>) {
    if let Err(err) =
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
    {
        tracing::warn!(error = ?err, "could not lower the hashing thread's priority");
    }
    let mut workspace = Workspace::default();
    loop {
        let next = queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .recv();
        match next {
            Ok(job) => job(&mut workspace),
            Err(_) => return,
        }
    }
}

/// Argon2's working memory, one per hashing thread and reused by each hash it runs. A hash
/// writes every block before it reads it, so nothing is cleared in between; reusing it spares
/// each sign-in allocating and faulting in 19 MiB (the allocator hands blocks that big back
/// to the system when freed: `.cargo/config.toml`), which cost sign-ins a quarter of their
/// throughput when each hash had memory of its own (BENCHMARKS.md, "Memory").
#[derive(Default)]
struct Workspace {
    blocks: Vec<Block>,
}

impl Workspace {
    /// A new secret as a PHC string: argon2id, OWASP's parameters, a fresh random salt.
    fn hash(&mut self, secret: &str) -> Result<String, ApiError> {
        let params = Params::default();
        let salt = argon2::password_hash::try_generate_salt().map_err(ApiError::internal)?;
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.compute(
            Algorithm::Argon2id,
            Version::V0x13,
            &params,
            secret,
            &salt,
            &mut output,
        )
        .map_err(argon2_failed)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(argon2_failed)?,
            salt: Some(Salt::new(&salt).map_err(argon2_failed)?),
            hash: Some(Output::new(&output).map_err(argon2_failed)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `secret` matches the PHC string `hash`, computed with the algorithm, version
    /// and parameters the string names (so a hash made under other parameters still
    /// verifies); the comparison takes the same time wherever the outputs differ. A string
    /// that is not an argon2 hash matches nothing.
    fn verifies(&mut self, secret: &str, hash: &str) -> bool {
        self.matches(secret, hash).unwrap_or(false)
    }

    fn matches(&mut self, secret: &str, hash: &str) -> Option<bool> {
        let phc = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(phc.algorithm.as_str()).ok()?;
        let version = match phc.version {
            Some(number) => Version::try_from(number).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&phc).ok()?;
        let (salt, expected) = (phc.salt?, phc.hash?);
        let mut output = vec![0u8; expected.len()];
        self.compute(
            algorithm,
            version,
            &params,
            secret,
            salt.as_ref(),
            &mut output,
        )
        .ok()?;
        Some(Output::new(&output).ok()? == expected)
    }

    /// Argon2 of `secret` and `salt` into `output`, in this workspace's blocks.
    fn compute(
        &mut self,
        algorithm: Algorithm,
        version: Version,
        params: &Params,
        secret: &str,
        salt: &[u8],
        output: &mut [u8],
    ) -> argon2::Result<()> {
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            secret.as_bytes(),
            salt,
            output,
            self.blocks_for(params),
        )
    }

    /// The first `params.block_count()` blocks, grown (and then kept) when a hash needs more.
    fn blocks_for(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        &mut self.blocks[..count]
    }
}

fn argon2_failed(err: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("argon2: {err}"))
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

    /// Stored hashes were made by the argon2 crate's own `hash_password`: the workspace must
    /// verify them, and what it makes must verify there, whatever one workspace ran before.
    #[test]
    fn the_workspace_agrees_with_the_argon2_crate() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let mut workspace = Workspace::default();
        let by_the_crate = Argon2::default()
            .hash_password(b"correct horse")
            .expect("hash")
            .to_string();
        assert!(workspace.verifies("correct horse", &by_the_crate));
        assert!(!workspace.verifies("correct horse!", &by_the_crate));
        let ours = workspace.hash("correct horse").expect("hash");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", ours.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", ours.as_str())
                .is_err()
        );
    }

    /// A hash made under other parameters (more memory, here) verifies with those, in a
    /// workspace that then goes on hashing with the defaults.
    #[test]
    fn a_hash_verifies_with_the_parameters_it_names() {
        use argon2::PasswordHasher as _;
        let bigger = Params::new(24_576, 3, 1, None).expect("params");
        let older = Argon2::new(Algorithm::Argon2id, Version::V0x13, bigger)
            .hash_password(b"old secret")
            .expect("hash")
            .to_string();
        assert!(
            older.starts_with("$argon2id$v=19$m=24576,t=3,p=1$"),
            "{older}"
        );
        let mut workspace = Workspace::default();
        let before = workspace.hash("new secret").expect("hash");
        assert!(workspace.verifies("old secret", &older));
        assert!(!workspace.verifies("new secret", &older));
        let after = workspace.hash("new secret").expect("hash");
        assert!(workspace.verifies("new secret", &before));
        assert!(workspace.verifies("new secret", &after));
        assert!(!workspace.verifies("new secret", "not a hash"));
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
