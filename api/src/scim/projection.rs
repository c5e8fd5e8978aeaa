//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes of a
//! resource an answer returns. Names are case-insensitive and may carry their schema's URN
//! (an extension's URN alone names the whole extension); `id` and `schemas` are always
//! returned. A name no resource has matches nothing.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, web};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::schemas::{CALLIYO_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use super::{ScimError, ScimType};

#[derive(Debug, Default, Clone, PartialEq)]
pub enum Projection {
    #[default]
    All,
    /// `attributes`: these and the ones always returned.
    Only(Vec<AttributePath>),
    /// `excludedAttributes`: all but these.
    Except(Vec<AttributePath>),
}

/// Where an attribute sits in a resource's JSON, lower-cased: in an extension's object or at
/// the top, and possibly one sub-attribute of it. No `name`: the whole extension.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttributePath {
    extension: Option<&'static str>,
    name: Option<String>,
    sub: Option<String>,
}

/// An attribute (its extension, its name; no name: the whole extension), the key of the
/// sub-attributes asked for of it (`None`: the whole attribute).
type Attribute = (Option<&'static str>, Option<String>);

/// Attributes every answer keeps.
const ALWAYS: [&str; 2] = ["id", "schemas"];

#[derive(Deserialize)]
struct Params {
    attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl Projection {
    /// The request's projection; `attributes` wins when both are given.
    pub fn of(req: &HttpRequest) -> Result<Self, ScimError> {
        let params = web::Query::<Params>::from_query(req.query_string())
            .map_err(|err| ScimError::bad(ScimType::InvalidValue, err.to_string()))?;
        Ok(match (&params.attributes, &params.excluded_attributes) {
            (Some(only), _) => Self::Only(paths(only)),
            (None, Some(except)) => Self::Except(paths(except)),
            (None, None) => Self::All,
        })
    }

    /// `resource` with only the attributes asked for.
    pub fn applied(&self, mut resource: Value) -> Value {
        match self {
            Self::All => resource,
            Self::Except(paths) => {
                for path in paths {
                    remove(&mut resource, path);
                }
                resource
            }
            Self::Only(paths) => only(resource, paths),
        }
    }
}

fn paths(list: &str) -> Vec<AttributePath> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(path)
        .collect()
}

fn path(item: &str) -> AttributePath {
    let lower = item.to_ascii_lowercase();
    let strip = |urn: &str| {
        lower
            .strip_prefix(&urn.to_ascii_lowercase())
            .map(|rest| rest.trim_start_matches(':').to_owned())
    };
    let (extension, rest) = match [ENTERPRISE_SCHEMA, CALLIYO_SCHEMA]
        .into_iter()
        .find_map(|urn| Some((urn, strip(urn)?)))
    {
        Some((urn, rest)) => (Some(urn), rest),
        None => (
            None,
            strip(USER_SCHEMA)
                .or_else(|| strip(GROUP_SCHEMA))
                .unwrap_or(lower.clone()),
        ),
    };
    let mut parts = rest.splitn(2, '.').map(str::to_owned);
    AttributePath {
        extension,
        name: parts.next().filter(|name| !name.is_empty()),
        sub: parts.next(),
    }
}

/// The actual key of `object` that `name` names, case-insensitively.
fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// The object an attribute sits in: the resource itself, or its extension's object.
fn container<'a>(
    resource: &'a mut Value,
    path: &AttributePath,
) -> Option<&'a mut Map<String, Value>> {
    let top = resource.as_object_mut()?;
    match path.extension {
        None => Some(top),
        Some(urn) => {
            let key = key_of(top, urn)?;
            top.get_mut(&key)?.as_object_mut()
        }
    }
}

fn remove(resource: &mut Value, path: &AttributePath) {
    let Some(name) = &path.name else {
        if let Some(urn) = path.extension {
            take(resource.as_object_mut(), urn);
        }
        return;
    };
    if path.extension.is_none() && ALWAYS.contains(&name.as_str()) {
        return;
    }
    let object = container(resource, path);
    match &path.sub {
        None => {
            take(object, name);
        }
        Some(sub) => {
            let Some(object) = object else {
                return;
            };
            let Some(key) = key_of(object, name) else {
                return;
            };
            for item in items_mut(object.get_mut(&key)) {
                take(Some(item), sub);
            }
        }
    }
}

/// The objects of a complex attribute: itself, or each value of a multi-valued one.
fn items_mut(value: Option<&mut Value>) -> Vec<&mut Map<String, Value>> {
    match value {
        Some(Value::Object(object)) => vec![object],
        Some(Value::Array(values)) => values.iter_mut().filter_map(Value::as_object_mut).collect(),
        _ => Vec::new(),
    }
}

/// The resource with `id`, `schemas` and the attributes `paths` name; several
/// sub-attributes of one attribute are kept together. What is kept is moved out of
/// `resource`, not copied.
fn only(mut resource: Value, paths: &[AttributePath]) -> Value {
    let mut wanted: BTreeMap<Attribute, Option<Vec<String>>> = BTreeMap::new();
    for path in paths {
        let entry = wanted
            .entry((path.extension, path.name.clone()))
            .or_insert_with(|| Some(Vec::new()));
        match (&path.sub, entry.as_mut()) {
            (Some(sub), Some(subs)) => subs.push(sub.clone()),
            (None, _) => *entry = None,
            (Some(_), None) => {}
        }
    }
    let mut kept = Map::new();
    for name in ALWAYS {
        if let Some(value) = take(resource.as_object_mut(), name) {
            kept.insert(value.0, value.1);
        }
    }
    // A whole extension sorts before its attributes: once taken, they are in it.
    for ((extension, name), subs) in wanted {
        let taken = match (&name, extension) {
            (None, Some(urn)) => take(resource.as_object_mut(), urn),
            (None, None) => None,
            (Some(name), _) => {
                let path = AttributePath {
                    extension,
                    name: None,
                    sub: None,
                };
                take(container(&mut resource, &path), name)
            }
        };
        let Some((key, mut value)) = taken else {
            continue;
        };
        if let Some(subs) = subs {
            for item in items_mut(Some(&mut value)) {
                item.retain(|k, _| subs.iter().any(|sub| k.eq_ignore_ascii_case(sub)));
            }
        }
        let target = match extension.filter(|_| name.is_some()) {
            None => &mut kept,
            Some(urn) => {
                let slot = kept
                    .entry(urn.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                match slot.as_object_mut() {
                    Some(object) => object,
                    None => continue,
                }
            }
        };
        target.insert(key, value);
    }
    Value::Object(kept)
}

/// Moves the attribute `name` (case-insensitively) out of `object`, with its actual key.
fn take(object: Option<&mut Map<String, Value>>, name: &str) -> Option<(String, Value)> {
    let object = object?;
    let key = key_of(object, name)?;
    object.remove_entry(&key)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "id": "u1",
            "userName": "ravi@acme.example",
            "displayName": "Ravi",
            "emails": [{"value": "ravi@acme.example", "type": "work", "primary": true}],
            ENTERPRISE_SCHEMA: {"employeeNumber": "E-1", "department": "Sales"},
            "meta": {"resourceType": "User"},
        })
    }

    #[test]
    fn attributes_keep_what_is_named_and_what_is_always_returned() {
        let only = Projection::Only(paths(&format!(
            "userName,emails.value,EMAILS.type,{ENTERPRISE_SCHEMA}:department"
        )));
        assert_eq!(
            only.applied(user()),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
                "id": "u1",
                "userName": "ravi@acme.example",
                "emails": [{"value": "ravi@acme.example", "type": "work"}],
                ENTERPRISE_SCHEMA: {"department": "Sales"},
            })
        );
        let extension = Projection::Only(paths(ENTERPRISE_SCHEMA));
        assert_eq!(
            extension.applied(user())[ENTERPRISE_SCHEMA],
            json!({"employeeNumber": "E-1", "department": "Sales"})
        );
    }

    #[test]
    fn excluded_attributes_drop_what_is_named_but_never_the_id() {
        let except = Projection::Except(paths(&format!(
            "displayName, emails.primary, id, {USER_SCHEMA}:meta, {ENTERPRISE_SCHEMA}:employeeNumber"
        )));
        assert_eq!(
            except.applied(user()),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
                "id": "u1",
                "userName": "ravi@acme.example",
                "emails": [{"value": "ravi@acme.example", "type": "work"}],
                ENTERPRISE_SCHEMA: {"department": "Sales"},
            })
        );
    }
}
