//! Secrets: password hashing and tokens.

pub mod passwords;
pub mod tokens;
