use std::fmt;

use crate::Invalid;

/// A 4-digit M-PIN that is not easy to guess. It only activates a device registered by a
/// password sign-in, so 4 digits suffice; guessable ones are refused all the same, since a
/// thief holding the phone gets 5 tries.
#[derive(Clone, PartialEq, Eq)]
pub struct Mpin(String);

/// The most chosen 4-digit PINs (dates, keypad patterns, repeats in pairs) that the
/// same-digit and straight-run rules do not already catch.
const COMMON_PINS: &[&str] = &[
    "1212", "1122", "1313", "2000", "2001", "2002", "2020", "2021", "2022", "2023", "2024", "2025",
    "2026", "1010", "2580", "0852", "1998", "1999", "1990", "1995", "1984", "1987", "6969", "4545",
    "7777", "5252", "1004", "2525", "0007", "1221", "2112", "1001", "0101", "1357", "2468", "1470",
    "0258", "1379", "1590", "7410", "9630", "3698", "1478", "3214",
];

impl Mpin {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let digits = raw.as_bytes();
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(Invalid::new("invalid", "must be exactly 4 digits"));
        }
        if is_weak(digits) {
            return Err(Invalid::new("too_weak", "is too easy to guess"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Every well-formed PIN that [`Mpin::parse`] refuses as weak, in ascending order: the
    /// OpenAPI document lists them so clients can refuse them before asking.
    pub fn weak_pins() -> impl Iterator<Item = String> {
        (0..10_000)
            .map(|n| format!("{n:04}"))
            .filter(|pin| is_weak(pin.as_bytes()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// All digits the same, a straight run up or down, or one of the most common PINs.
fn is_weak(digits: &[u8]) -> bool {
    let same = digits.iter().all(|d| *d == digits[0]);
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    let straight = steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1);
    same || straight || COMMON_PINS.iter().any(|pin| pin.as_bytes() == digits)
}

impl fmt::Debug for Mpin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mpin(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_pins_are_refused() {
        for pin in [
            "0000", "1111", "1234", "9876", "3456", "6543", "1212", "2580", "2000",
        ] {
            assert_eq!(Mpin::parse(pin).unwrap_err().code, "too_weak", "{pin}");
        }
    }

    #[test]
    fn malformed_pins_are_refused() {
        for pin in ["123", "12345", "12a4", "", " 4821", "４８２１"] {
            assert_eq!(Mpin::parse(pin).unwrap_err().code, "invalid", "{pin:?}");
        }
    }

    #[test]
    fn weak_pins_lists_exactly_what_parse_refuses_as_weak() {
        let weak: Vec<String> = Mpin::weak_pins().collect();
        assert!(weak.contains(&"0000".to_owned()) && weak.contains(&"9876".to_owned()));
        for n in 0..10_000 {
            let pin = format!("{n:04}");
            assert_eq!(Mpin::parse(&pin).is_err(), weak.contains(&pin), "{pin}");
        }
    }

    #[test]
    fn ordinary_pins_are_accepted_and_never_printed() {
        let pin = Mpin::parse("4821").unwrap();
        assert_eq!(pin.expose(), "4821");
        assert!(!format!("{pin:?}").contains("4821"));
    }
}
