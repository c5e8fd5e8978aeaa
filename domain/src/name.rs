use crate::Invalid;

/// A display name of a person, a role, a department or a branch: trimmed, 1 to 100 characters, no control
/// characters (they break CSV exports and log lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

pub(crate) const MAX_NAME_CHARS: usize = 100;

impl Name {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        parse_name(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The shared rule of every name-like field: [`plain_text`] that is not blank.
pub(crate) fn parse_name(raw: &str) -> Result<String, Invalid> {
    if raw.trim().is_empty() {
        return Err(Invalid::new("required", "must not be blank"));
    }
    plain_text(raw, MAX_NAME_CHARS)
}

/// Free text such as a lead's name or source: trimmed, at most `max` characters, no control
/// characters.
pub fn plain_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Invalid::new(
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::new(
            "invalid",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(
            Name::parse("  Asha Rao ").expect("valid").as_str(),
            "Asha Rao"
        );
    }

    #[test]
    fn blank_long_and_control_names_are_refused() {
        assert_eq!(Name::parse("   ").unwrap_err().code, "required");
        assert_eq!(Name::parse(&"x".repeat(101)).unwrap_err().code, "too_long");
        assert_eq!(Name::parse("a\u{0}b").unwrap_err().code, "invalid");
        assert!(
            Name::parse(&"é".repeat(100)).is_ok(),
            "the limit counts characters"
        );
    }
}
