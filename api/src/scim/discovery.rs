//! Discovery (RFC 7644 §4): what this server supports and the attributes it keeps, so a
//! provider (or a compliance tool) can tell before it sends anything. Public within the
//! company's key like every SCIM endpoint.

use actix_web::dev::HttpServiceFactory;
use actix_web::web::Path;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::schemas::{CALLIYO_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use super::{ListResponse, MAX_RESULTS, ScimActor, ScimError, location, scim_ok};
use crate::error::ApiError;
use crate::routes::Endpoint;

const CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/ServiceProviderConfig")
            .get(service_provider_config)
            .finish_as::<ScimError>(),
        Endpoint::new("/ResourceTypes")
            .get(resource_types)
            .finish_as::<ScimError>(),
        Endpoint::new("/ResourceTypes/{id}")
            .get(resource_type)
            .finish_as::<ScimError>(),
        Endpoint::new("/Schemas")
            .get(schemas)
            .finish_as::<ScimError>(),
        Endpoint::new("/Schemas/{id}")
            .get(schema)
            .finish_as::<ScimError>(),
    )
}

async fn service_provider_config(
    _: ScimActor,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    let supported = |supported: bool| json!({ "supported": supported });
    Ok(scim_ok(&json!({
        "schemas": [CONFIG_SCHEMA],
        "patch": supported(true),
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": supported(false),
        "sort": supported(false),
        "etag": supported(true),
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API key",
            "description": "An API key of the company (`cly_...`), sent as `Authorization: Bearer`; its permissions bound what SCIM may do (`agent:*` for Users).",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": location(&req, "/ServiceProviderConfig"),
        },
    })))
}

fn user_resource_type(req: &HttpRequest) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A user of the company: an agent, a manager or an admin.",
        "schema": USER_SCHEMA,
        "schemaExtensions": [
            {"schema": ENTERPRISE_SCHEMA, "required": false},
            {"schema": CALLIYO_SCHEMA, "required": false},
        ],
        "meta": {"resourceType": "ResourceType", "location": location(req, "/ResourceTypes/User")},
    })
}

fn group_resource_type(req: &HttpRequest) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A role of the company; its members are the users who hold it.",
        "schema": GROUP_SCHEMA,
        "meta": {"resourceType": "ResourceType", "location": location(req, "/ResourceTypes/Group")},
    })
}

async fn resource_types(_: ScimActor, req: HttpRequest) -> Result<HttpResponse, ScimError> {
    let types = vec![user_resource_type(&req), group_resource_type(&req)];
    Ok(scim_ok(&ListResponse::new(2, 1, types)))
}

async fn resource_type(
    _: ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    match id.as_str() {
        "User" => Ok(scim_ok(&user_resource_type(&req))),
        "Group" => Ok(scim_ok(&group_resource_type(&req))),
        _ => Err(ScimError::Api(ApiError::NotFound)),
    }
}

/// Every schema this server keeps attributes of, in the RFC 7643 §7 form.
fn all_schemas(req: &HttpRequest) -> Vec<Value> {
    [
        (USER_SCHEMA, "User", "A user of the company.", user_attributes()),
        (
            GROUP_SCHEMA,
            "Group",
            "A role of the company, with the users who hold it.",
            group_attributes(),
        ),
        (
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            "The enterprise extension: employee number and department.",
            enterprise_attributes(),
        ),
        (
            CALLIYO_SCHEMA,
            "CalliyoUser",
            "Calliyo's extension: lead cap, branch and role, by name.",
            calliyo_attributes(),
        ),
    ]
    .into_iter()
    .map(|(id, name, description, attributes)| {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": id,
            "name": name,
            "description": description,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": location(req, &format!("/Schemas/{id}"))},
        })
    })
    .collect()
}

async fn schemas(_: ScimActor, req: HttpRequest) -> Result<HttpResponse, ScimError> {
    let all = all_schemas(&req);
    Ok(scim_ok(&ListResponse::new(all.len() as u64, 1, all)))
}

async fn schema(
    _: ScimActor,
    req: HttpRequest,
    id: Path<String>,
) -> Result<HttpResponse, ScimError> {
    all_schemas(&req)
        .into_iter()
        .find(|schema| schema["id"] == id.as_str())
        .map(|schema| scim_ok(&schema))
        .ok_or(ScimError::Api(ApiError::NotFound))
}

/// One attribute's definition; `mutability` and `returned` as RFC 7643 §7 names them.
struct Attribute {
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    required: bool,
    mutability: &'static str,
    returned: &'static str,
    uniqueness: &'static str,
    multi_valued: bool,
    sub_attributes: Vec<Value>,
    /// What a `reference` names (RFC 7643 §7 `referenceTypes`).
    reference_types: &'static [&'static str],
}

impl Attribute {
    fn new(name: &'static str, kind: &'static str, description: &'static str) -> Self {
        Self {
            name,
            kind,
            description,
            required: false,
            mutability: "readWrite",
            returned: "default",
            uniqueness: "none",
            multi_valued: false,
            sub_attributes: Vec::new(),
            reference_types: &[],
        }
    }

    fn references(mut self, types: &'static [&'static str]) -> Self {
        self.reference_types = types;
        self
    }

    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn read_only(mut self) -> Self {
        self.mutability = "readOnly";
        self
    }

    fn write_only(mut self) -> Self {
        self.mutability = "writeOnly";
        self.returned = "never";
        self
    }

    fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }

    fn multi(mut self, sub_attributes: Vec<Value>) -> Self {
        self.multi_valued = true;
        self.sub_attributes = sub_attributes;
        self
    }

    fn complex(mut self, sub_attributes: Vec<Value>) -> Self {
        self.sub_attributes = sub_attributes;
        self
    }

    fn json(self) -> Value {
        let mut attribute = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": false,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if !self.sub_attributes.is_empty() {
            attribute["subAttributes"] = json!(self.sub_attributes);
        }
        if !self.reference_types.is_empty() {
            attribute["referenceTypes"] = json!(self.reference_types);
        }
        attribute
    }
}

/// `value`, `type` and `primary` of a multi-valued attribute.
fn value_type_primary(value: &'static str) -> Vec<Value> {
    vec![
        Attribute::new("value", "string", value).json(),
        Attribute::new("type", "string", "`work`.").json(),
        Attribute::new("primary", "boolean", "The one Calliyo keeps.").json(),
    ]
}

fn user_attributes() -> Vec<Value> {
    vec![
        Attribute::new(
            "userName",
            "string",
            "The email, trimmed and lower-cased; unique in the company.",
        )
        .required()
        .unique()
        .json(),
        Attribute::new("displayName", "string", "The user's name.").json(),
        Attribute::new("name", "complex", "The user's name.")
            .complex(vec![
                Attribute::new("formatted", "string", "The whole name.").json(),
                Attribute::new(
                    "givenName",
                    "string",
                    "Used with familyName when formatted is absent.",
                )
                .json(),
                Attribute::new(
                    "familyName",
                    "string",
                    "Used with givenName when formatted is absent.",
                )
                .json(),
            ])
            .json(),
        Attribute::new(
            "emails",
            "complex",
            "The primary (else the first) is the user's email.",
        )
        .multi(value_type_primary("An email address."))
        .json(),
        Attribute::new(
            "phoneNumbers",
            "complex",
            "The work number (else the first), E.164.",
        )
        .multi(value_type_primary("A phone number in E.164 form."))
        .json(),
        Attribute::new(
            "active",
            "boolean",
            "false bans the user (no sign-in, leads kept, seat used); true lifts the ban.",
        )
        .json(),
        Attribute::new(
            "externalId",
            "string",
            "The provider's id for the user, kept as sent.",
        )
        .json(),
        Attribute::new(
            "password",
            "string",
            "Never returned; without one, the user cannot sign in by password until one is set.",
        )
        .write_only()
        .json(),
        Attribute::new("groups", "complex", "The user's role, as a group.")
            .read_only()
            .multi(vec![
                Attribute::new("value", "string", "The role's id.")
                    .read_only()
                    .json(),
                Attribute::new("display", "string", "The role's name.")
                    .read_only()
                    .json(),
                Attribute::new(
                    "type",
                    "string",
                    "Always `direct`: the role is held, not inherited.",
                )
                .read_only()
                .json(),
            ])
            .json(),
    ]
}

fn group_attributes() -> Vec<Value> {
    vec![
        Attribute::new(
            "displayName",
            "string",
            "The role's name; unique in the company.",
        )
        .required()
        .unique()
        .json(),
        Attribute::new(
            "members",
            "complex",
            "The users who hold the role. Adding one moves the user into this role; removing \
             one is refused (mutability): every user holds exactly one role, so a user leaves \
             a group by joining another.",
        )
        .multi(vec![
            Attribute::new("value", "string", "The user's id.").json(),
            Attribute::new("display", "string", "The user's name.")
                .read_only()
                .json(),
            Attribute::new("type", "string", "Always `User`.")
                .read_only()
                .json(),
            Attribute::new("$ref", "reference", "The member's URL.")
                .read_only()
                .references(&["User"])
                .json(),
        ])
        .json(),
    ]
}

fn enterprise_attributes() -> Vec<Value> {
    vec![
        Attribute::new(
            "employeeNumber",
            "string",
            "The employee code; unique in the company.",
        )
        .unique()
        .json(),
        Attribute::new(
            "department",
            "string",
            "A department of the company, by name.",
        )
        .json(),
    ]
}

fn calliyo_attributes() -> Vec<Value> {
    vec![
        Attribute::new(
            "leadCap",
            "integer",
            "The most open leads the user holds at once.",
        )
        .json(),
        Attribute::new("branch", "string", "A branch of the company, by name.").json(),
        Attribute::new(
            "role",
            "string",
            "The user's role, by name (default `Agent`).",
        )
        .json(),
    ]
}
