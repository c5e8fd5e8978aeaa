//! The server's own secrets: the token-signing secret and the M-PIN pepper. Each is taken
//! from the environment, or, with SQLite, generated once into its own 0600 file beside the
//! database; with PostgreSQL (replicas must share them) the server refuses to start without.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use crate::config::{Config, generated_pepper_path, generated_secret_path};
use crate::security::mpin::PinPepper;

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
    if let Some(existing) = read_secret_file(&path) {
        return Ok(existing.into_bytes());
    }
    let secret = random_secret();
    write_secret_file(&path, &secret)?;
    tracing::warn!(path = %path.display(), "CALLIYO_JWT_SECRET is unset: generated a secret and saved it beside the database");
    Ok(secret.into_bytes())
}

/// `CALLIYO_PIN_PEPPER` when set. Otherwise, with SQLite, a random pepper generated once into
/// its own file (`<database>.pin-pepper`, mode 0600): never derived from the token secret, so
/// a token secret that leaks does not open the M-PINs to an offline search. With PostgreSQL
/// the server refuses to start without it.
///
/// A database that existed before this start without a pepper file is an installation from
/// before the pepper had its own secret: its M-PINs were keyed with a pepper derived from the
/// token secret, which is kept (and saved to the file) so they still verify; a warning says
/// how to rotate it (set `CALLIYO_PIN_PEPPER`; every user then sets their M-PIN again).
pub fn resolve_pepper(
    config: &Config,
    token_secret: &[u8],
    database_existed: bool,
) -> Result<PinPepper, SecretError> {
    if let Some(pepper) = &config.pin_pepper {
        if pepper.len() < MIN_SECRET_BYTES {
            return Err(SecretError::Config(format!(
                "CALLIYO_PIN_PEPPER must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        return Ok(PinPepper::new(pepper.as_bytes()));
    }
    if !config.is_sqlite() {
        return Err(SecretError::Config(
            "set CALLIYO_PIN_PEPPER (the same on every replica) when using PostgreSQL".into(),
        ));
    }
    let Some(database_file) = config.sqlite_file() else {
        return Ok(PinPepper::new(&random_bytes()));
    };
    // The file holds the key as hex: a derived key is bytes, not text.
    let path = generated_pepper_path(&database_file);
    let saved = read_secret_file(&path).and_then(|text| hex::decode(text).ok());
    if let Some(key) = saved {
        return Ok(PinPepper::new(&key));
    }
    let pepper = if database_existed {
        tracing::warn!(path = %path.display(), "CALLIYO_PIN_PEPPER is unset: keeping the pepper derived from the token secret that this database's M-PINs were made with; set CALLIYO_PIN_PEPPER to rotate it (users then set their M-PIN again)");
        PinPepper::legacy(token_secret)
    } else {
        PinPepper::new(&random_bytes())
    };
    write_secret_file(&path, &hex::encode(pepper.key()))?;
    Ok(pepper)
}

/// A secret saved earlier, if the file holds one long enough.
fn read_secret_file(path: &std::path::Path) -> Option<String> {
    let existing = fs::read_to_string(path).ok()?;
    let existing = existing.trim();
    (existing.len() >= MIN_SECRET_BYTES).then(|| existing.to_owned())
}

/// Saves a generated secret, readable by this user only.
fn write_secret_file(path: &std::path::Path, secret: &str) -> Result<(), SecretError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(secret.as_bytes())?;
    Ok(())
}

/// 256 random bits.
fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    bytes
}

/// 256 random bits as hex.
fn random_secret() -> String {
    hex::encode(random_bytes())
}
