use std::fmt;

use crate::{Email, Invalid};

/// How strong a new password must be. The minimum length is configurable (NIST SP 800-63B
/// asks for at least 8); the maximum bounds the cost of hashing a hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
}

pub const MAX_PASSWORD_CHARS: usize = 128;

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_chars: 8 }
    }
}

/// A new password that passed the policy. Its `Debug` never shows the secret, so it cannot
/// leak through a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks a password chosen for the account `email` (`None` when the email itself was
    /// refused: the other rules still apply). The comparison with the email and the
    /// blocklist ignore case, since "Password1" is no safer than "password1".
    pub fn parse(
        raw: &str,
        email: Option<&Email>,
        policy: PasswordPolicy,
    ) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < policy.min_chars {
            return Err(Invalid::new(
                "too_short",
                format!("at least {} characters", policy.min_chars),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(Invalid::new(
                "too_long",
                format!("at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        let folded = raw.trim().to_lowercase();
        let is_email = email.is_some_and(|email| {
            let local_part = email.as_str().split('@').next().unwrap_or_default();
            folded == email.as_str() || folded == local_part
        });
        if is_email {
            return Err(Invalid::new(
                "same_as_email",
                "must not be the email address",
            ));
        }
        if COMMON_PASSWORDS.contains(&folded.as_str()) {
            return Err(Invalid::new(
                "too_common",
                "is one of the most common passwords",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The most common passwords of at least 8 characters in public breach corpora (lowercased).
/// Shorter ones are refused by the length rule already.
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "123123123",
    "11111111",
    "00000000",
    "87654321",
    "11223344",
    "12341234",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "q1w2e3r4",
    "qwertyuiop",
    "qwerty123",
    "qwerty1234",
    "qwertyui",
    "asdfghjkl",
    "zxcvbnm1",
    "zaq12wsx",
    "password",
    "password1",
    "password12",
    "password123",
    "password!",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pass@123",
    "admin123",
    "admin@123",
    "administrator",
    "welcome1",
    "welcome123",
    "welcome@123",
    "iloveyou",
    "iloveyou1",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "starwars",
    "trustno1",
    "whatever",
    "letmein1",
    "master123",
    "dragon123",
    "monkey123",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "aa123456",
    "a1234567",
    "changeme",
    "changeme1",
    "computer",
    "internet",
    "michelle",
    "jennifer",
    "corvette",
    "mercedes",
    "football1",
    "charlie1",
    "samsung1",
    "india123",
    "india@123",
    "qwerty@123",
    "test1234",
    "testtest",
    "secret123",
    "123qweasd",
    "qweasdzxc",
    "1234qwer",
    "asdf1234",
    "zxcvbnm123",
    "default1",
    "calliyo1",
    "calliyo123",
    "company1",
    "company123",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("asha@example.com").expect("valid")
    }

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        assert!(
            Password::parse(
                "correct horse battery",
                Some(&email()),
                PasswordPolicy::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn short_long_common_and_email_passwords_are_refused() {
        let policy = PasswordPolicy::default();
        let code = |raw: &str| {
            Password::parse(raw, Some(&email()), policy)
                .unwrap_err()
                .code
        };
        assert_eq!(code("short1!"), "too_short");
        assert_eq!(code(&"x".repeat(129)), "too_long");
        assert_eq!(code("Password123"), "too_common");
        assert_eq!(code("ASHA@example.com"), "same_as_email");
    }

    #[test]
    fn the_minimum_length_is_configurable() {
        let policy = PasswordPolicy { min_chars: 12 };
        assert_eq!(
            Password::parse("elevenchars", Some(&email()), policy)
                .unwrap_err()
                .code,
            "too_short"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::parse(
            "correct horse battery",
            Some(&email()),
            PasswordPolicy::default(),
        );
        assert!(!format!("{password:?}").contains("horse"));
    }
}
