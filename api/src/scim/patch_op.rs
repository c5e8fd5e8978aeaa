//! A PatchOp message (RFC 7644 §3.5.2), read into its operations for Users and Groups alike.
//! Operation names are case-insensitive (Entra ID sends `Replace`).

use serde_json::{Map, Value};

use super::{ScimError, ScimType};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One operation of a PatchOp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operation<'a> {
    /// `add` or `replace` of the attribute at `path`.
    Set {
        replace: bool,
        path: &'a str,
        value: &'a Value,
    },
    /// `add` or `replace` without a path: the attributes of an object value.
    SetAll {
        replace: bool,
        attributes: &'a Map<String, Value>,
    },
    /// `remove` of the attribute at `path`; `value`, when sent, names which values of a
    /// multi-valued attribute go (as Entra ID removes group members).
    Remove {
        path: &'a str,
        value: Option<&'a Value>,
    },
}

/// The operations of a PatchOp body, in order.
pub fn operations(body: &Value) -> Result<Vec<Operation<'_>>, ScimError> {
    let syntax = |detail: &str| ScimError::bad(ScimType::InvalidSyntax, detail);
    let schemas = body.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|s| s == PATCH_SCHEMA)) {
        return Err(syntax("A PATCH body is a PatchOp message (its `schemas`)."));
    }
    body.get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("A PatchOp lists its `Operations`."))?
        .iter()
        .map(operation)
        .collect()
}

fn operation(operation: &Value) -> Result<Operation<'_>, ScimError> {
    let op = operation
        .get("op")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let path = operation.get("path").and_then(Value::as_str);
    let value = operation.get("value");
    let replace = op.as_deref() == Some("replace");
    match (op.as_deref(), path) {
        (Some("add" | "replace"), Some(path)) => Ok(Operation::Set {
            replace,
            path,
            value: value.unwrap_or(&Value::Null),
        }),
        (Some("add" | "replace"), None) => match value.and_then(Value::as_object) {
            Some(attributes) => Ok(Operation::SetAll {
                replace,
                attributes,
            }),
            None => Err(ScimError::bad(
                ScimType::InvalidValue,
                "An operation without a path sets the attributes of an object value.",
            )),
        },
        (Some("remove"), Some(path)) => Ok(Operation::Remove { path, value }),
        (Some("remove"), None) => Err(ScimError::bad(
            ScimType::NoTarget,
            "A remove operation names its path.",
        )),
        _ => Err(ScimError::bad(
            ScimType::InvalidSyntax,
            "An operation's `op` is add, replace or remove.",
        )),
    }
}
