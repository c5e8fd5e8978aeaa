//! The token-signing secret.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use crate::config::{Config, generated_secret_path};

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("configuration: {0}")]
    Config(String),
    /// The generated secret could not be saved beside the database.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// HS256 wants a key at least as long as its output.
const MIN_SECRET_BYTES: usize = 32;

/// `CALLIYO_JWT_SECRET` when set. Otherwise, with SQLite, a secret generated once and kept
/// beside the database file (mode 0600) so tokens survive restarts; with PostgreSQL the
/// server refuses to start, since replicas must share one secret.
pub fn resolve(config: &Config) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = &config.jwt_secret {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::Config(format!(
                "CALLIYO_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    if !config.is_sqlite() {
        return Err(SecretError::Config(
            "set CALLIYO_JWT_SECRET (the same on every replica) when using PostgreSQL".into(),
        ));
    }
    let Some(database_file) = config.sqlite_file() else {
        tracing::warn!(
            "CALLIYO_JWT_SECRET is unset: using a random secret for this in-memory database"
        );
        return Ok(random_secret().into_bytes());
    };
    let path = generated_secret_path(&database_file);
    if let Ok(existing) = fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    let secret = random_secret();
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(secret.as_bytes())?;
    tracing::warn!(path = %path.display(), "CALLIYO_JWT_SECRET is unset: generated a secret and saved it beside the database");
    Ok(secret.into_bytes())
}

/// 256 random bits as hex.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
