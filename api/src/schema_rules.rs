//! The text rules of the domain's parsers as JSON Schema, for the OpenAPI document.
//!
//! Generated clients validate with them and contract fuzzers (schemathesis) generate from
//! them, so each schema must accept exactly what its parser accepts, trimming included: a
//! schema looser than its parser makes valid-looking requests fail with 422, a stricter one
//! makes the server accept what the document calls invalid. Request fields point at these
//! with `#[schema(value_type = crate::schema_rules::Name)]`.
//!
//! The character classes are spelled out rather than written `\s`, because the three regex
//! engines that read them (ECMA-262 in clients, Python's `re` in generators, Rust's `regex`
//! in validators) disagree on what `\s` means; these are Rust's own: what `str::trim`
//! strips ([`char::is_whitespace`]) and what [`char::is_control`] refuses.

use utoipa::openapi::extensions::{Extensions, ExtensionsBuilder};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// `char::is_whitespace`: what `trim` strips from both ends.
const SPACE: &str =
    r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// `char::is_control` (Unicode `Cc`).
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// A name as `domain::Name` parses it: trimmed, then 1-100 characters without control
/// characters. The pattern pins the first and last kept characters to non-spaces.
fn trimmed_name(max_chars: usize) -> String {
    let solid = format!("[^{SPACE}{CONTROL}]");
    format!(
        "[{SPACE}]*{solid}(?:[^{CONTROL}]{{0,{inner}}}{solid})?[{SPACE}]*",
        inner = max_chars - 2
    )
}

/// Anchors a pattern; `or_blank` also admits a blank string (only spaces), which optional
/// fields read as "not given" (create) or "clear it" (PATCH).
fn anchored(pattern: &str, or_blank: bool) -> String {
    if or_blank {
        format!("^(?:[{SPACE}]*|{pattern})$")
    } else {
        format!("^(?:{pattern})$")
    }
}

fn text(description: &str, pattern: Option<String>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
}

/// `x-enum-varnames`: the identifiers generators give an enum's values (`-name` would
/// otherwise become `VALUE_1`, `agent:read` `AGENTREAD`): upper case, `:` as `_`, a leading
/// `-` as a `_DESC` suffix.
fn enum_varnames(values: &[impl AsRef<str>]) -> Extensions {
    let names: Vec<String> = values
        .iter()
        .map(|value| {
            let value = value.as_ref();
            let (name, suffix) = match value.strip_prefix('-') {
                Some(rest) => (rest, "_DESC"),
                None => (value, ""),
            };
            format!("{}{suffix}", name.to_ascii_uppercase().replace(':', "_"))
        })
        .collect();
    ExtensionsBuilder::new()
        .add("x-enum-varnames", serde_json::json!(names))
        .build()
}

fn name_schema(or_blank: bool) -> Schema {
    let description = if or_blank {
        "1-100 characters once trimmed, no control characters; blank for none."
    } else {
        "1-100 characters once trimmed, no control characters."
    };
    text(description, Some(anchored(&trimmed_name(100), or_blank))).into()
}

fn email_schema(description: &str) -> Schema {
    text(description, None)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(254))
        .into()
}

fn mpin_pattern() -> String {
    let weak: Vec<String> = domain::Mpin::weak_pins().collect();
    format!("(?!(?:{})$)[0-9]{{4}}", weak.join("|"))
}

/// Declares a schema type: a marker struct whose `ToSchema` name is its own.
macro_rules! schema_rule {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                RefOr::T($schema)
            }
        }

        impl ToSchema for $name {}
    };
}

schema_rule!(
    /// A person's, company's, role's, group's, device's or lead's name.
    Name => name_schema(false)
);

schema_rule!(
    /// A lead's source: like a name, but blank is allowed (and means none).
    NameOrBlank => name_schema(true)
);

schema_rule!(
    /// A sign-in email: trimmed and lowercased on the way in.
    Email => email_schema("An email address; trimmed and lowercased.")
);

schema_rule!(
    /// An optional email: blank means none.
    EmailOrBlank => AnyOfBuilder::new()
        .description(Some("An email address, or blank for none."))
        .item(email_schema("An email address; trimmed and lowercased."))
        .item(text("Blank: none.", Some(anchored("", true))))
        .into()
);

schema_rule!(
    /// A new password. The minimum length is configurable (8 by default); the email and the
    /// most common passwords are refused too (422).
    NewPassword => text(
        "8-128 characters (the minimum is configurable), not the email, not a common password.",
        None,
    )
    .min_length(Some(8))
    .max_length(Some(128))
    .into()
);

schema_rule!(
    /// A 4-digit M-PIN that is not weak.
    Mpin => text(
        "Exactly 4 digits, not a weak PIN (all the same, a straight run, a common one).",
        Some(anchored(&mpin_pattern(), false)),
    )
    .into()
);

schema_rule!(
    /// An optional M-PIN: blank means none.
    MpinOrBlank => text(
        "Exactly 4 digits, not a weak PIN; blank for none.",
        Some(anchored(&mpin_pattern(), true)),
    )
    .into()
);

schema_rule!(
    /// An optional phone number: blank means none.
    PhoneOrBlank => text(
        "E.164 (`+919812345678`); spaces, `-`, `.` and parentheses are dropped. Blank for none.",
        Some(anchored(
            &format!(
                "[{SPACE}]*[-(). ]*\\+[-(). ]*[1-9](?:[-(). ]*[0-9]){{7,14}}[-(). ]*[{SPACE}]*"
            ),
            true,
        )),
    )
    .into()
);

schema_rule!(
    /// An optional employee code: blank means none.
    EmployeeCodeOrBlank => text(
        "1-50 characters once trimmed, no spaces or control characters. Blank for none.",
        Some(anchored(
            &format!("[{SPACE}]*[^{SPACE}{CONTROL}]{{1,50}}[{SPACE}]*"),
            true,
        )),
    )
    .into()
);

schema_rule!(
    /// A company's sign-in code.
    CompanyCode => text(
        "3-40 of `a-z`, `0-9` and `-`, not starting or ending with `-`; trimmed and lowercased.",
        Some(anchored(
            &format!("[{SPACE}]*[a-zA-Z0-9][a-zA-Z0-9-]{{1,38}}[a-zA-Z0-9][{SPACE}]*"),
            false,
        )),
    )
    .into()
);

schema_rule!(
    /// A lead's status.
    LeadStatus => text("`new`, `contacted`, `qualified` (open) or `won`, `lost` (closed).", None)
        .enum_values(Some(domain::LeadStatus::ALL.map(|s| s.as_str())))
        .into()
);

schema_rule!(
    /// A permission, `resource:action`.
    Permission => {
        let values: Vec<String> = domain::PermissionSet::catalogue().map(|p| p.to_string()).collect();
        text("A permission from `GET /api/v1/permissions`.", None)
            .extensions(Some(enum_varnames(&values)))
            .enum_values(Some(values))
            .into()
    }
);

schema_rule!(
    /// How a user listing is sorted.
    UserSort => {
        let values = ["name", "-name", "created_at", "-created_at"];
        text("By name or by creation; `-` sorts descending.", None)
            .extensions(Some(enum_varnames(&values)))
            .enum_values(Some(values))
            .into()
    }
);

schema_rule!(
    /// A time of day.
    TimeOfDay => text(
        "`HH:MM`, 24-hour, `00:00` to `23:59`.",
        Some(anchored("(?:[01][0-9]|2[0-3]):[0-5][0-9]", false)),
    )
    .into()
);

schema_rule!(
    /// A zone of the IANA time zone database. A string, not an enum: its ~600 names include
    /// `GMT0`, `GMT+0` and `GMT-0`, which collide when a generator makes identifiers of them.
    /// The server checks the name; `GET /api/v1/time-zones` lists those it accepts.
    TimeZone => text(
        "An IANA time zone name such as `Asia/Kolkata` or `UTC`, one of those \
         `GET /api/v1/time-zones` lists.",
        None,
    )
    .max_length(Some(64))
    .into()
);

schema_rule!(
    /// An event of the webhook catalogue.
    WebhookEvent => text("An event name from the catalogue (see `createWebhook`).", None)
        .enum_values(Some(domain::webhooks::EventType::ALL.map(|e| e.as_str())))
        .into()
);

schema_rule!(
    /// Where a webhook sends.
    WebhookUrl => text(
        "An absolute `https` URL whose host is a public name or address: not loopback, \
         private, link-local or otherwise non-public (checked again at every delivery), without \
         credentials or a fragment. `http` and private hosts only on a server run with \
         `CALLIYO_WEBHOOKS_ALLOW_HTTP=true`.",
        None,
    )
    .format(Some(SchemaFormat::Custom("uri".into())))
    .max_length(Some(domain::webhooks::MAX_URL_BYTES))
    .into()
);

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern_of<T: PartialSchema>() -> regex::Regex {
        let json = serde_json::to_value(T::schema()).expect("serializable");
        regex::Regex::new(json["pattern"].as_str().expect("a pattern")).expect("a valid regex")
    }

    #[test]
    fn name_pattern_agrees_with_the_parser() {
        let pattern = pattern_of::<Name>();
        for raw in [
            "Asha",
            " \tAsha Rao\n",
            "a",
            &"é".repeat(100),
            &format!("  {}  ", "x".repeat(100)),
            "",
            "   ",
            "a\u{0}b",
            "\u{1}a",
            &"x".repeat(101),
        ] {
            assert_eq!(
                pattern.is_match(raw),
                domain::Name::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn phone_pattern_agrees_with_the_parser() {
        let pattern = pattern_of::<PhoneOrBlank>();
        for raw in [
            "+919812345678",
            " +91 98123-45678 ",
            "(+1) 415.555.0100",
            "+1234567",
            "+12345678",
            "+1234567890123456",
            "+0123456789",
            "919812345678",
            "(\t+919812345678",
        ] {
            assert_eq!(
                pattern.is_match(raw),
                domain::Phone::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
        assert!(pattern.is_match("  "), "blank means none");
    }

    #[test]
    fn company_code_and_employee_code_patterns_agree_with_the_parsers() {
        let code = pattern_of::<CompanyCode>();
        for raw in [
            "acme",
            " Acme-Calls ",
            "ab",
            "-acme",
            "acme-",
            "ac me",
            &"a".repeat(41),
        ] {
            assert_eq!(
                code.is_match(raw),
                domain::CompanyCode::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
        let employee = pattern_of::<EmployeeCodeOrBlank>();
        for raw in [
            "EMP-001",
            " EMP-001 ",
            "EMP 001",
            &"e".repeat(50),
            &"e".repeat(51),
        ] {
            assert_eq!(
                employee.is_match(raw),
                domain::EmployeeCode::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }
}
