use crate::Invalid;

/// An email address, trimmed and lowercased.
///
/// Emails are compared case-insensitively because people type them in any case and mail
/// providers treat the local part that way in practice; storing the lowercased form lets the
/// database's unique index enforce "one account per address and company".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321's limit on a forward path.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let invalid = || Invalid::new("invalid", "not an email address");
        if email.len() > MAX_LEN {
            return Err(Invalid::new(
                "too_long",
                format!("at most {MAX_LEN} characters"),
            ));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        let email = Email::parse("  Asha.Rao@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "asha.rao@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "",
            "asha",
            "@example.com",
            "asha@",
            "asha@example",
            "a b@example.com",
            "asha@@example.com",
            "asha@.example.com",
            "asha@example..com",
            "asha@example.com.",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn overlong_emails_are_refused() {
        let raw = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&raw).unwrap_err().code, "too_long");
    }
}
