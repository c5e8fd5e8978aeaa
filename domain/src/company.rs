use crate::Invalid;
use crate::name::parse_name;

/// A company's display name: the same rule as a person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName(String);

impl CompanyName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        parse_name(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's sign-in code (its slug): 3 to 40 of `a-z`, `0-9` and `-`, neither starting nor
/// ending with `-`. Users type it on the sign-in screen, so it is case-folded on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyCode(String);

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 40;

impl CompanyCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim().to_ascii_lowercase();
        if code.len() < MIN_LEN || code.len() > MAX_LEN {
            return Err(Invalid::new(
                "invalid_length",
                format!("must be {MIN_LEN} to {MAX_LEN} characters"),
            ));
        }
        let allowed = code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || code.starts_with('-') || code.ends_with('-') {
            return Err(Invalid::new(
                "invalid",
                "only lowercase letters, digits and '-', not at either end",
            ));
        }
        Ok(Self(code))
    }

    /// The code proposed for a company that signs up without choosing one: its name folded to
    /// a slug (`"Acme Calls Pvt. Ltd."` -> `acme-calls-pvt-ltd`). `suffix` disambiguates when
    /// the plain slug is taken. Names with too few usable characters are padded with `co`.
    pub fn from_name(name: &CompanyName, suffix: Option<&str>) -> Self {
        let mut slug = String::with_capacity(MAX_LEN);
        for c in name.as_str().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let room = MAX_LEN - suffix.map_or(0, |s| s.len() + 1);
        slug.truncate(room);
        let mut slug = slug.trim_end_matches('-').to_owned();
        while slug.len() < MIN_LEN {
            slug = if slug.is_empty() {
                "co".to_owned()
            } else {
                format!("{slug}-co")
            };
        }
        if let Some(suffix) = suffix {
            slug = format!("{slug}-{suffix}");
        }
        Self(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_case_folded() {
        assert_eq!(
            CompanyCode::parse(" Acme-01 ").expect("valid").as_str(),
            "acme-01"
        );
    }

    #[test]
    fn bad_codes_are_refused() {
        for raw in ["ab", "-acme", "acme-", "ac me", "acmé", &"a".repeat(41)] {
            assert!(CompanyCode::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn a_name_folds_to_a_slug() {
        let name = CompanyName::parse("Acme Calls Pvt. Ltd.").expect("valid");
        assert_eq!(
            CompanyCode::from_name(&name, None).as_str(),
            "acme-calls-pvt-ltd"
        );
        assert_eq!(
            CompanyCode::from_name(&name, Some("x7k2")).as_str(),
            "acme-calls-pvt-ltd-x7k2"
        );
    }

    proptest! {
        #[test]
        fn every_name_folds_to_a_valid_code(name in "\\PC{1,100}", suffix in "[a-z0-9]{4}") {
            if let Ok(name) = CompanyName::parse(&name) {
                for suffix in [None, Some(suffix.as_str())] {
                    let code = CompanyCode::from_name(&name, suffix);
                    prop_assert_eq!(CompanyCode::parse(code.as_str()), Ok(code.clone()));
                }
            }
        }
    }
}
