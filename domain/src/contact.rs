use crate::Invalid;

/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0
/// (`+919812345678`). Spaces, dashes and parentheses people type are dropped first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or_default();
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(compact))
        } else {
            Err(Invalid::new(
                "invalid",
                "not an E.164 phone number such as +919812345678",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An employee code from the company's HR system: 1 to 50 visible characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeCode(String);

const MAX_EMPLOYEE_CODE: usize = 50;

impl EmployeeCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(Invalid::new("required", "must not be blank"));
        }
        if code.chars().count() > MAX_EMPLOYEE_CODE {
            return Err(Invalid::new(
                "too_long",
                format!("at most {MAX_EMPLOYEE_CODE} characters"),
            ));
        }
        if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Invalid::new(
                "invalid",
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// How many open leads a user may hold at once.
/// The default is 0, the contract's default for a new user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeadCap(i32);

/// Far above any real agent's load; bounds arithmetic on caps.
pub const MAX_LEAD_CAP: i64 = 100_000;

impl LeadCap {
    pub fn parse(raw: i64) -> Result<Self, Invalid> {
        match i32::try_from(raw) {
            Ok(cap) if (0..=MAX_LEAD_CAP).contains(&raw) => Ok(Self(cap)),
            _ => Err(Invalid::new(
                "out_of_range",
                format!("must be between 0 and {MAX_LEAD_CAP}"),
            )),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_compacted_e164() {
        assert_eq!(
            Phone::parse(" +91 98123-45678 ").unwrap().as_str(),
            "+919812345678"
        );
        for raw in [
            "919812345678",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+91abc45678",
            "",
        ] {
            assert!(Phone::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn employee_codes_are_trimmed_and_spaceless() {
        assert_eq!(
            EmployeeCode::parse(" EMP-001 ").unwrap().into_inner(),
            "EMP-001"
        );
        assert_eq!(EmployeeCode::parse("EMP 001").unwrap_err().code, "invalid");
        assert_eq!(EmployeeCode::parse(" ").unwrap_err().code, "required");
    }

    #[test]
    fn lead_caps_are_bounded() {
        assert_eq!(LeadCap::parse(0).unwrap().get(), 0);
        assert_eq!(LeadCap::parse(MAX_LEAD_CAP).unwrap().get(), 100_000);
        assert!(LeadCap::parse(-1).is_err());
        assert!(LeadCap::parse(MAX_LEAD_CAP + 1).is_err());
        assert!(LeadCap::parse(i64::MAX).is_err());
    }
}
