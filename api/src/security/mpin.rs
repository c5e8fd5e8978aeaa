//! M-PIN hashing. A 4-digit PIN hashed by argon2 alone falls to an offline brute force in
//! minutes (10^4 guesses x 20 ms). Each PIN is therefore first keyed with a server-side
//! pepper (HMAC-SHA256) that is never stored in the database: a dump alone reveals nothing.

use super::hmac_sha256;

/// The pepper's key: `CALLIYO_PIN_PEPPER`, or a generated one (see `secret::resolve_pepper`).
#[derive(Clone)]
pub struct PinPepper(Vec<u8>);

impl PinPepper {
    pub fn new(key: &[u8]) -> Self {
        Self(key.to_vec())
    }

    /// The pepper installations before v1.1 derived from the token secret (with its own
    /// label, so it never equalled a key used for anything else): what an existing SQLite
    /// installation keeps so that its M-PINs still verify.
    pub fn legacy(token_secret: &[u8]) -> Self {
        Self(hmac_sha256(token_secret, b"calliyo mpin pepper v1").to_vec())
    }

    pub fn key(&self) -> &[u8] {
        &self.0
    }

    /// What is hashed (and later verified) in place of the PIN itself.
    pub fn apply(&self, pin: &str) -> String {
        hmac_sha256(&self.0, pin.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pepper_keys_the_pin() {
        let one = PinPepper::new(b"one");
        assert_eq!(one.apply("4821"), one.apply("4821"));
        assert_ne!(one.apply("4821"), one.apply("4822"));
        assert_ne!(one.apply("4821"), PinPepper::new(b"two").apply("4821"));
        assert!(!one.apply("4821").contains("4821"));
        assert_ne!(
            PinPepper::legacy(b"s").apply("4821"),
            PinPepper::new(b"s").apply("4821")
        );
    }
}
