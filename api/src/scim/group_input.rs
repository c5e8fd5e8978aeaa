//! What a SCIM request asks of a group (a role): a new name and users to move into it, read
//! from a whole resource (POST, PUT) or a PatchOp. A member is never taken out of a group:
//! every user holds exactly one role, so a user leaves a group by joining another, and a
//! `remove` of members is refused (`mutability`). `externalId` and attributes Calliyo does
//! not keep are accepted and ignored.

use serde_json::{Map, Value};

use super::patch_op::{self, Operation};
use super::schemas::GROUP_SCHEMA;
use super::{ScimError, ScimType};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct GroupChanges {
    /// `displayName`.
    pub name: Option<String>,
    /// Users (their ids as sent) to move into the group.
    pub added: Vec<String>,
    /// The whole membership, where the request states it (`members` of a PUT, a `replace`
    /// of `members`): a current member it leaves out would have to leave the role.
    pub stated: Option<Vec<String>>,
}

impl GroupChanges {
    /// A whole group (POST, PUT). A PUT without `members` leaves the membership as it is:
    /// it could only empty the group, which no user can leave that way.
    pub fn from_resource(body: &Value) -> Result<Self, ScimError> {
        let object = body
            .as_object()
            .ok_or_else(|| ScimError::bad(ScimType::InvalidSyntax, "A group is a JSON object."))?;
        let mut changes = Self::default();
        changes.set_all(object, true)?;
        Ok(changes)
    }

    /// Applies a PatchOp's operations in order.
    pub fn from_patch(body: &Value) -> Result<Self, ScimError> {
        let mut changes = Self::default();
        for operation in patch_op::operations(body)? {
            match operation {
                Operation::Set {
                    replace,
                    path,
                    value,
                } => changes.set(&attribute_of(path), value, replace)?,
                Operation::SetAll {
                    replace,
                    attributes,
                } => changes.set_all(attributes, replace)?,
                Operation::Remove { path, .. } => match attribute_of(path).as_str() {
                    members if members.starts_with("members") => {
                        return Err(ScimError::bad(
                            ScimType::Mutability,
                            "A member cannot be removed: every user holds exactly one role, so \
                             a user leaves this group by being added to another.",
                        ));
                    }
                    "displayname" => return Err(required("displayName")),
                    _ => {}
                },
            }
        }
        Ok(changes)
    }

    fn set_all(&mut self, object: &Map<String, Value>, replace: bool) -> Result<(), ScimError> {
        for (key, value) in object {
            match attribute_of(key).as_str() {
                // What a resource carries but no request sets.
                "schemas" | "id" | "meta" => {}
                attribute => self.set(attribute, value, replace)?,
            }
        }
        Ok(())
    }

    /// Sets one attribute (a normalised path, see [`attribute_of`]).
    fn set(&mut self, attribute: &str, value: &Value, replace: bool) -> Result<(), ScimError> {
        match attribute {
            "displayname" => match value {
                Value::String(name) => self.name = Some(name.clone()),
                _ => return Err(required("displayName")),
            },
            "members" => {
                let ids = member_ids(value)?;
                if replace {
                    self.added.clear();
                    self.stated = Some(ids);
                } else {
                    self.added.extend(ids);
                }
            }
            "id" | "meta" | "schemas" => {
                return Err(ScimError::bad(
                    ScimType::Mutability,
                    format!("{attribute} is read-only"),
                ));
            }
            other if other.starts_with("members") => {
                return Err(ScimError::bad(
                    ScimType::InvalidPath,
                    "Members are added with the path `members` and a list of `{value}`s.",
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// A path or attribute name, lower-cased, without the Group schema's URN.
fn attribute_of(path: &str) -> String {
    let lower = path.trim().to_ascii_lowercase();
    let urn = GROUP_SCHEMA.to_ascii_lowercase();
    match lower.strip_prefix(&urn) {
        Some(rest) => rest.trim_start_matches(':').to_owned(),
        None => lower,
    }
}

fn required(attribute: &str) -> ScimError {
    ScimError::bad(
        ScimType::InvalidValue,
        format!("{attribute} is required: a string"),
    )
}

/// The ids of a `members` value: a list of `{"value": id}` (`null` is none).
fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let not_members = || {
        ScimError::bad(
            ScimType::InvalidValue,
            "members must be a list of {\"value\": user id}",
        )
    };
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(members) => members
            .iter()
            .map(|member| {
                member
                    .get("value")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(not_members)
            })
            .collect(),
        _ => Err(not_members()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::patch_op::PATCH_SCHEMA;

    fn patch(operations: Value) -> Result<GroupChanges, ScimError> {
        GroupChanges::from_patch(&json!({"schemas": [PATCH_SCHEMA], "Operations": operations}))
    }

    fn kind(result: Result<GroupChanges, ScimError>) -> ScimType {
        match result {
            Err(ScimError::Typed { scim_type, .. }) => scim_type,
            other => panic!("expected a SCIM refusal, got {other:?}"),
        }
    }

    #[test]
    fn okta_and_entra_membership_and_rename_requests_read_alike() {
        let entra = patch(json!([
            {"op": "Add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
            {"op": "Replace", "path": "displayName", "value": "Sales"},
        ]))
        .expect("read");
        let okta_rename = patch(json!([
            {"op": "replace", "value": {"id": "g1", "displayName": "Sales"}},
        ]))
        .expect("read");
        let replaced = patch(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}]},
            {"op": "replace", "path": "members", "value": [{"value": "u3"}]},
        ]))
        .expect("read");
        let put = GroupChanges::from_resource(&json!({
            "schemas": [GROUP_SCHEMA], "displayName": "Sales", "externalId": "okta-1",
            "members": [{"value": "u1", "display": "Asha"}],
        }))
        .expect("read");

        assert_eq!(entra.added, ["u1", "u2"]);
        assert_eq!(entra.name.as_deref(), Some("Sales"));
        assert_eq!(okta_rename.name.as_deref(), Some("Sales"));
        assert!(okta_rename.added.is_empty() && okta_rename.stated.is_none());
        assert!(replaced.added.is_empty());
        assert_eq!(replaced.stated, Some(vec!["u3".to_owned()]));
        assert_eq!(put.stated, Some(vec!["u1".to_owned()]));
    }

    #[test]
    fn removing_a_member_is_refused_in_both_forms() {
        let okta = patch(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]));
        let entra = patch(json!([
            {"op": "Remove", "path": "members", "value": [{"value": "u1"}]},
        ]));
        assert_eq!(kind(okta), ScimType::Mutability);
        assert_eq!(kind(entra), ScimType::Mutability);
    }

    #[test]
    fn malformed_group_requests_say_what_is_wrong() {
        assert_eq!(
            kind(GroupChanges::from_resource(&json!("Sales"))),
            ScimType::InvalidSyntax
        );
        assert_eq!(
            kind(patch(
                json!([{"op": "add", "path": "members", "value": ["u1"]}])
            )),
            ScimType::InvalidValue
        );
        assert_eq!(
            kind(patch(
                json!([{"op": "replace", "path": "displayName", "value": null}])
            )),
            ScimType::InvalidValue
        );
        assert_eq!(
            kind(patch(
                json!([{"op": "replace", "path": "id", "value": "x"}])
            )),
            ScimType::Mutability
        );
    }
}
