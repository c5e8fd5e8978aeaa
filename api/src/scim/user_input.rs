//! What a SCIM request asks of a user, read from its JSON: a whole resource (POST, PUT) or
//! the operations of a PatchOp, in the RFC's form (`path` + `value`) and the path-less form
//! Entra ID sends (`{"op":"Replace","value":{"active":false}}`). Attribute names are
//! case-insensitive; attributes Calliyo does not keep (`title`, `locale`, addresses, ...)
//! are accepted and ignored, so a provider's mapping of them never fails a sync.

use serde_json::{Map, Value};

use super::patch_op::{self, Operation};
use super::schemas::{CALLIYO_SCHEMA, ENTERPRISE_SCHEMA, USER_SCHEMA};
use super::{ScimError, ScimType};

/// The attributes a request sets: `None` leaves one alone, `Some(None)` clears it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UserChanges {
    /// `userName`, or an email given by `emails`.
    pub email: Option<String>,
    /// `displayName` or `name.formatted`.
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
    pub external_id: Option<Option<String>>,
    pub password: Option<String>,
    pub employee_number: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub lead_cap: Option<i64>,
    pub branch: Option<Option<String>>,
    pub role: Option<String>,
}

impl UserChanges {
    /// The name the request gives: `displayName` or `name.formatted`, else `givenName` and
    /// `familyName` together (Calliyo keeps one name, so one part alone changes nothing).
    pub fn full_name(&self) -> Option<String> {
        self.name.clone().or_else(|| {
            let given = self.given_name.as_deref()?.trim();
            let family = self.family_name.as_deref()?.trim();
            Some(format!("{given} {family}").trim().to_owned())
        })
    }

    /// A whole resource (POST, PUT). With `replacing`, the core and enterprise attributes it
    /// leaves out are cleared, as a PUT replaces them; Calliyo's extension is left alone
    /// when absent, since most providers do not send it.
    pub fn from_resource(body: &Value, replacing: bool) -> Result<Self, ScimError> {
        let object = body
            .as_object()
            .ok_or_else(|| ScimError::bad(ScimType::InvalidSyntax, "A user is a JSON object."))?;
        let mut changes = Self::default();
        if replacing {
            changes.phone = Some(None);
            changes.external_id = Some(None);
            changes.employee_number = Some(None);
            changes.department = Some(None);
        }
        changes.set_all(object)?;
        Ok(changes)
    }

    /// Applies a PatchOp's operations in order.
    pub fn from_patch(body: &Value) -> Result<Self, ScimError> {
        let mut changes = Self::default();
        for operation in patch_op::operations(body)? {
            match operation {
                Operation::Set { path, value, .. } => changes.set(&attribute_of(path)?, value)?,
                Operation::SetAll { attributes, .. } => changes.set_all(attributes)?,
                Operation::Remove { path, .. } => {
                    changes.set(&attribute_of(path)?, &Value::Null)?;
                }
            }
        }
        Ok(changes)
    }

    fn set_all(&mut self, object: &Map<String, Value>) -> Result<(), ScimError> {
        for (key, value) in object {
            let attribute = attribute_of(key)?;
            match attribute.as_str() {
                // What a resource carries but no request sets.
                "schemas" | "id" | "meta" | "groups" => {}
                _ => self.set(&attribute, value)?,
            }
        }
        Ok(())
    }

    /// Sets one attribute (a normalised path, see [`attribute_of`]); `null` clears it.
    fn set(&mut self, attribute: &str, value: &Value) -> Result<(), ScimError> {
        match attribute {
            // An extension as one object (a resource's, or a patch whose path is the
            // extension's URN); `null` clears each of its attributes.
            "enterprise:" | "calliyo:" => match value {
                Value::Object(inner) => {
                    for (name, value) in inner {
                        self.set(&format!("{attribute}{}", name.to_ascii_lowercase()), value)?;
                    }
                }
                Value::Null => {
                    for name in extension_attributes(attribute) {
                        self.set(&format!("{attribute}{name}"), &Value::Null)?;
                    }
                }
                _ => return Err(invalid(attribute, "an object")),
            },
            "username" | "emails.value" => self.email = Some(required_text(attribute, value)?),
            "emails" => self.email = Some(preferred(attribute, value)?),
            "displayname" | "name.formatted" => self.name = Some(required_text(attribute, value)?),
            "name.givenname" => self.given_name = text(attribute, value)?,
            "name.familyname" => self.family_name = text(attribute, value)?,
            "name" => {
                let Some(parts) = value.as_object() else {
                    return Err(invalid(attribute, "an object"));
                };
                for (part, value) in parts {
                    self.set(&format!("name.{}", part.to_ascii_lowercase()), value)?;
                }
            }
            "phonenumbers" => self.phone = Some(optional_preferred(attribute, value)?),
            "phonenumbers.value" => self.phone = Some(text(attribute, value)?),
            "active" => self.active = Some(boolean(attribute, value)?),
            "externalid" => self.external_id = Some(text(attribute, value)?),
            "password" => self.password = Some(required_text(attribute, value)?),
            "enterprise:employeenumber" => self.employee_number = Some(text(attribute, value)?),
            "enterprise:department" => self.department = Some(text(attribute, value)?),
            "calliyo:leadcap" => {
                let cap = value
                    .as_i64()
                    .ok_or_else(|| invalid(attribute, "an integer"))?;
                self.lead_cap = Some(cap);
            }
            "calliyo:branch" => self.branch = Some(text(attribute, value)?),
            "calliyo:role" => self.role = Some(required_text(attribute, value)?),
            "id" | "meta" | "groups" | "schemas" => {
                return Err(ScimError::bad(
                    ScimType::Mutability,
                    format!("{attribute} is read-only"),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// The attributes Calliyo keeps of an extension (`enterprise:` or `calliyo:`), lower-cased.
fn extension_attributes(extension: &str) -> &'static [&'static str] {
    match extension {
        "enterprise:" => &["employeenumber", "department"],
        _ => &["leadcap", "branch", "role"],
    }
}

/// A path or attribute name, lower-cased, without the core schema's URN; an extension's
/// attributes as `enterprise:name` / `calliyo:name` (the extension itself `enterprise:`); a
/// value filter dropped (`emails[type eq "work"].value` is `emails.value`: one email is
/// kept).
fn attribute_of(path: &str) -> Result<String, ScimError> {
    let lower = path.trim().to_ascii_lowercase();
    let (prefix, rest) = [
        (USER_SCHEMA, ""),
        (ENTERPRISE_SCHEMA, "enterprise:"),
        (CALLIYO_SCHEMA, "calliyo:"),
    ]
    .into_iter()
    .find_map(|(urn, short)| {
        let rest = lower.strip_prefix(&urn.to_ascii_lowercase())?;
        Some((short, rest.strip_prefix(':').unwrap_or(rest)))
    })
    .unwrap_or(("", lower.as_str()));
    let without_filter = match (rest.find('['), rest.find(']')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{}", &rest[..open], &rest[close + 1..])
        }
        (None, None) => rest.to_owned(),
        _ => {
            return Err(ScimError::bad(
                ScimType::InvalidPath,
                format!("{path:?} is not a valid path"),
            ));
        }
    };
    Ok(format!("{prefix}{without_filter}"))
}

fn invalid(attribute: &str, expected: &str) -> ScimError {
    ScimError::bad(
        ScimType::InvalidValue,
        format!("{attribute} must be {expected}"),
    )
}

/// A string, or `null` (cleared).
fn text(attribute: &str, value: &Value) -> Result<Option<String>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        _ => Err(invalid(attribute, "a string")),
    }
}

fn required_text(attribute: &str, value: &Value) -> Result<String, ScimError> {
    text(attribute, value)?.ok_or_else(|| invalid(attribute, "a string, not null"))
}

/// A boolean; also `"True"`/`"False"`, as Entra ID has been seen to send `active`.
fn boolean(attribute: &str, value: &Value) -> Result<bool, ScimError> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(attribute, "a boolean")),
    }
}

/// The value of a multi-valued attribute that counts: the primary, else the `work` one,
/// else the first; `None` for an empty list or `null`.
fn optional_preferred(attribute: &str, value: &Value) -> Result<Option<String>, ScimError> {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        _ => return Err(invalid(attribute, "a list")),
    };
    let chosen = items
        .iter()
        .find(|item| item.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| {
            items
                .iter()
                .find(|item| item.get("type") == Some(&Value::from("work")))
        })
        .or_else(|| items.first());
    match chosen {
        Some(item) => text(attribute, item.get("value").unwrap_or(&Value::Null)),
        None => Ok(None),
    }
}

fn preferred(attribute: &str, value: &Value) -> Result<String, ScimError> {
    optional_preferred(attribute, value)?.ok_or_else(|| invalid(attribute, "a list with a value"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::patch_op::PATCH_SCHEMA;

    #[test]
    fn an_okta_create_reads_every_mapped_attribute() {
        let body = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "ravi@acme.example",
            "name": {"givenName": "Ravi", "familyName": "Kumar"},
            "emails": [{"primary": true, "value": "ravi@acme.example", "type": "work"}],
            "phoneNumbers": [{"value": "+919812345678", "type": "mobile"}],
            "active": true,
            "externalId": "00u1abcd",
            "locale": "en-IN",
            ENTERPRISE_SCHEMA: {"employeeNumber": "E-17", "department": "Sales"},
            CALLIYO_SCHEMA: {"leadCap": 40, "role": "Manager"},
        });

        let changes = UserChanges::from_resource(&body, false).expect("read");

        assert_eq!(changes.email.as_deref(), Some("ravi@acme.example"));
        assert_eq!(changes.full_name().as_deref(), Some("Ravi Kumar"));
        assert_eq!(changes.phone, Some(Some("+919812345678".into())));
        assert_eq!(changes.external_id, Some(Some("00u1abcd".into())));
        assert_eq!(changes.employee_number, Some(Some("E-17".into())));
        assert_eq!(changes.department, Some(Some("Sales".into())));
        assert_eq!(
            (changes.lead_cap, changes.role.as_deref()),
            (Some(40), Some("Manager"))
        );
        assert_eq!(changes.branch, None);
    }

    #[test]
    fn a_replace_clears_what_it_leaves_out_but_not_the_calliyo_extension() {
        let body = json!({"userName": "ravi@acme.example", "displayName": "Ravi"});
        let changes = UserChanges::from_resource(&body, true).expect("read");
        assert_eq!(changes.phone, Some(None));
        assert_eq!(changes.department, Some(None));
        assert_eq!(
            (changes.role.as_deref(), changes.branch.clone()),
            (None, None)
        );
    }

    #[test]
    fn entra_and_okta_deactivations_and_renames_read_alike() {
        let patch = |operations: Value| {
            UserChanges::from_patch(&json!({"schemas": [PATCH_SCHEMA], "Operations": operations}))
        };
        let entra = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        let pathless = patch(json!([{"op": "replace", "value": {"active": false}}]));
        let rename = patch(json!([
            {"op": "Replace", "path": "name.givenName", "value": "Ravi"},
            {"op": "Replace", "path": "name.familyName", "value": "K"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "rk@acme.example"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Support"},
            {"op": "Remove", "path": "phoneNumbers[type eq \"work\"].value"},
        ]))
        .expect("read");

        assert_eq!(entra.expect("read").active, Some(false));
        assert_eq!(pathless.expect("read").active, Some(false));
        assert_eq!(rename.full_name().as_deref(), Some("Ravi K"));
        assert_eq!(rename.email.as_deref(), Some("rk@acme.example"));
        assert_eq!(rename.department, Some(Some("Support".into())));
        assert_eq!(rename.phone, Some(None));
    }

    #[test]
    fn a_patch_may_name_a_whole_extension_by_its_urn() {
        let patch = |operations: Value| {
            UserChanges::from_patch(&json!({"schemas": [PATCH_SCHEMA], "Operations": operations}))
        };
        let set = patch(json!([{"op": "add", "path": ENTERPRISE_SCHEMA,
            "value": {"employeeNumber": "E-9", "department": "Sales"}}]))
        .expect("read");
        let removed = patch(json!([{"op": "remove", "path": ENTERPRISE_SCHEMA}])).expect("read");
        let calliyo = patch(json!([{"op": "remove", "path": CALLIYO_SCHEMA}]));

        assert_eq!(set.employee_number, Some(Some("E-9".into())));
        assert_eq!(set.department, Some(Some("Sales".into())));
        assert_eq!(
            (removed.employee_number, removed.department),
            (Some(None), Some(None))
        );
        // A lead cap and a role cannot be unset.
        assert!(calliyo.is_err());
    }

    #[test]
    fn malformed_requests_say_what_is_wrong() {
        let kind = |result: Result<UserChanges, ScimError>| match result {
            Err(ScimError::Typed { scim_type, .. }) => scim_type,
            other => panic!("expected a SCIM refusal, got {other:?}"),
        };
        let patch = |operations: Value| {
            UserChanges::from_patch(&json!({"schemas": [PATCH_SCHEMA], "Operations": operations}))
        };
        assert_eq!(
            kind(UserChanges::from_resource(&json!([]), false)),
            ScimType::InvalidSyntax
        );
        assert_eq!(
            kind(UserChanges::from_patch(&json!({"Operations": []}))),
            ScimType::InvalidSyntax
        );
        assert_eq!(
            kind(patch(json!([{"op": "move", "path": "active"}]))),
            ScimType::InvalidSyntax
        );
        assert_eq!(kind(patch(json!([{"op": "remove"}]))), ScimType::NoTarget);
        assert_eq!(
            kind(patch(
                json!([{"op": "replace", "path": "active", "value": 3}])
            )),
            ScimType::InvalidValue
        );
        assert_eq!(
            kind(patch(
                json!([{"op": "replace", "path": "id", "value": "x"}])
            )),
            ScimType::Mutability
        );
        assert_eq!(
            kind(patch(
                json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])
            )),
            ScimType::InvalidPath
        );
    }
}
