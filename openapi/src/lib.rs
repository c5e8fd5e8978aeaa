//! The OpenAPI document of Calliyo's API, as committed in `openapi/openapi.json`.
//!
//! Integrators generate clients from the committed file, so it must never drift from the
//! code: the test below fails when it does. Regenerate it with
//! `cargo run -p api -- openapi > openapi/openapi.json` (or `UPDATE_OPENAPI=1 cargo test -p openapi`).

/// The committed document.
pub const COMMITTED: &str = include_str!("../openapi.json");

/// The document the code generates now.
pub fn generated() -> String {
    api::openapi::document_json()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn document() -> Value {
        serde_json::from_str(&generated()).expect("json")
    }

    /// Every operation of the document as `(method, path, operation)`.
    fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                if METHODS.contains(&method.as_str()) {
                    operations.push((method.as_str(), path.as_str(), operation));
                }
            }
        }
        operations
    }

    /// Generators turn operation ids into function names: `listUsers`, not `list_users`.
    fn is_camel_case(id: &str) -> bool {
        id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric())
    }

    #[test]
    fn every_operation_has_a_unique_camel_case_operation_id() {
        let doc = document();
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        for (method, path, operation) in operations(&doc) {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                is_camel_case(id),
                "{method} {path}: operationId `{id}` is not camelCase"
            );
            if let Some(other) = seen.insert(id, format!("{method} {path}")) {
                panic!("operationId `{id}` names both {other} and {method} {path}");
            }
        }
    }

    #[test]
    fn every_operation_is_tagged_with_a_described_tag() {
        let doc = document();
        let described: BTreeMap<&str, &str> = doc["tags"]
            .as_array()
            .expect("top-level tags")
            .iter()
            .map(|tag| {
                let name = tag["name"].as_str().expect("tag name");
                let description = tag["description"].as_str().unwrap_or_default();
                assert!(!description.is_empty(), "tag `{name}` has no description");
                (name, description)
            })
            .collect();
        let mut used = Vec::new();
        for (method, path, operation) in operations(&doc) {
            let tags = operation["tags"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            assert!(!tags.is_empty(), "{method} {path} has no tag");
            for tag in tags {
                let tag = tag.as_str().expect("tag");
                assert!(
                    described.contains_key(tag),
                    "{method} {path}: tag `{tag}` is not in the document's tags"
                );
                used.push(tag);
            }
        }
        for name in described.keys() {
            assert!(
                used.contains(name),
                "tag `{name}` is described but tags no operation"
            );
        }
    }

    #[test]
    fn the_committed_document_matches_the_code() {
        let generated = generated();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
            std::fs::write(path, &generated).expect("write openapi.json");
            return;
        }
        assert!(
            COMMITTED == generated,
            "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p openapi` and commit it"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_auth() {
        let doc: serde_json::Value = serde_json::from_str(&generated()).expect("json");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
            "bearer"
        );
        assert!(doc["paths"]["/api/v1/signup"]["post"].is_object());
    }

    /// A list answers `{items: [...], ...}` (a page, or a short list such as a user's
    /// devices): its items must be the item's schema by `$ref`, so that a client generator
    /// makes one type of a listed user and a fetched one.
    #[test]
    fn every_list_refers_to_its_items_schema() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let mut lists = 0;
        for (method, path, operation) in operations(&doc) {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let Some(schema) = response.pointer("/content/application~1json/schema") else {
                    continue;
                };
                let schema = match schema["$ref"].as_str() {
                    Some(reference) => {
                        let name = reference
                            .strip_prefix("#/components/schemas/")
                            .expect("a component reference");
                        &schemas[name]
                    }
                    None => schema,
                };
                let items = &schema["properties"]["items"];
                if items.is_null() {
                    continue;
                }
                lists += 1;
                assert_eq!(items["type"], "array", "{method} {path} {status}: items");
                assert!(
                    items["items"]["$ref"].is_string(),
                    "{method} {path} {status}: items are {}, not a $ref to the item's schema",
                    items["items"]
                );
            }
        }
        assert!(lists > 0, "no operation answers a list");
    }

    /// The stable codes of the contract's problem table (CONTRACT.md, "Errors").
    const CONTRACT_CODES: [&str; 28] = [
        "bad_request",
        "unauthenticated",
        "invalid_credentials",
        "forbidden",
        "user_banned",
        "not_found",
        "email_taken",
        "employee_code_taken",
        "name_taken",
        "company_code_taken",
        "agent_limit_reached",
        "last_admin",
        "lead_cap_reached",
        "assignee_banned",
        "in_use",
        "system_role",
        "self_action",
        "mpin_not_set",
        "idempotency_conflict",
        "precondition_failed",
        "idempotency_key_reused",
        "unavailable",
        "payload_too_large",
        "unsupported_media_type",
        "validation_failed",
        "account_locked",
        "mpin_locked",
        "rate_limited",
    ];

    #[test]
    fn the_problem_code_is_an_enum_of_the_contract_codes() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Problem"]["properties"]["code"]["$ref"],
            "#/components/schemas/ProblemCode"
        );
        assert_eq!(schemas["ProblemCode"]["type"], "string");
        let codes = schemas["ProblemCode"]["enum"].as_array().expect("an enum");
        for code in CONTRACT_CODES {
            assert!(
                codes.iter().any(|c| c == code),
                "`{code}` is not in ProblemCode"
            );
        }
    }

    #[test]
    fn every_error_response_is_a_problem_with_a_required_code() {
        let doc: serde_json::Value = serde_json::from_str(&generated()).expect("json");
        let required = &doc["components"]["schemas"]["Problem"]["required"];
        assert!(
            required
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == "code"))
        );
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                for (status, response) in operation["responses"].as_object().expect("responses") {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema =
                            &response["content"]["application/problem+json"]["schema"]["$ref"];
                        assert_eq!(
                            schema, "#/components/schemas/Problem",
                            "{method} {path} {status}"
                        );
                    }
                }
                assert!(
                    operation["responses"]["500"].is_object(),
                    "{method} {path} lacks 500"
                );
            }
        }
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let doc: serde_json::Value = serde_json::from_str(&generated()).expect("json");
        for name in [
            "SignupRequest",
            "SignupAdmin",
            "LoginRequest",
            "RefreshRequest",
        ] {
            let schema = &doc["components"]["schemas"][name];
            assert_eq!(schema["additionalProperties"], false, "{name}");
        }
    }
}
