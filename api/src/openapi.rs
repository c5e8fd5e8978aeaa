//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations.
//!
//! The errors every operation shares are added by [`CommonProblems`] from what the operation
//! is (secured, has a body, has a path parameter), so no operation can forget one and each
//! annotation lists only what is particular to it. [`IdempotentPosts`] documents the
//! `Idempotency-Key` header on every authenticated POST the same way.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{PROBLEM_JSON, Problem, ProblemField};
use crate::idempotency::ignores_key;
use crate::routes::groups::{branches, departments};
use crate::routes::{
    api_keys, audit, auth, devices, distribution, leads, me, ops, permissions, reports, roles,
    settings, subscription, time_zones, users, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Calliyo API",
        description = "Multi-tenant call-centre CRM: companies, users, roles and leads. Errors are RFC 9457 problem details whose `code` is stable. SCIM 2.0 provisioning (`/scim/v2`, RFC 7643/7644) is not part of this document: it describes itself at `/scim/v2/ServiceProviderConfig`, `/scim/v2/ResourceTypes` and `/scim/v2/Schemas`, as SCIM clients expect.",
    ),
    paths(
        ops::healthz, ops::readyz, ops::metrics,
        auth::signup, auth::login, auth::mpin_login, auth::refresh, auth::logout,
        me::me, me::change_password, me::change_mpin, me::list_sessions, me::end_session,
        devices::list_my_devices, devices::remove_my_device, devices::list_user_devices,
        devices::remove_user_device,
        permissions::list_permissions,
        users::list_users, users::create_user, users::get_user, users::update_user, users::delete_user,
        roles::list_roles, roles::create_role, roles::get_role, roles::update_role, roles::delete_role,
        departments::list, departments::create, departments::get, departments::rename, departments::delete,
        branches::list, branches::create, branches::get, branches::rename, branches::delete,
        subscription::get_subscription, subscription::update_subscription,
        audit::list_audit_events,
        api_keys::list_api_keys, api_keys::create_api_key, api_keys::get_api_key, api_keys::delete_api_key,
        leads::list_leads, leads::create_lead, leads::create_leads, leads::get_lead, leads::update_lead,
        leads::delete_lead, distribution::distribute,
        settings::get_settings, settings::update_settings, time_zones::list_time_zones,
        reports::lead_load,
        webhooks::list_webhooks, webhooks::create_webhook, webhooks::get_webhook,
        webhooks::update_webhook, webhooks::delete_webhook, webhooks::list_webhook_deliveries,
    ),
    components(schemas(Problem, ProblemField, crate::schema_rules::UserSort)),
    modifiers(&BearerAuth, &CommonProblems, &IdempotentPosts),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions (public)."),
        (name = "me", description = "The signed-in user: profile, secrets and sessions."),
        (name = "devices", description = "Devices registered for M-PIN sign-in: your own, and a user's (`agent:write`)."),
        (name = "users", description = "The company's users (`agent:*`)."),
        (name = "roles", description = "Roles and the permission catalogue (`role:*`)."),
        (name = "departments", description = "Departments (`department:*`)."),
        (name = "branches", description = "Branches (`branch:*`)."),
        (name = "subscription", description = "Seats (`billing:*`)."),
        (name = "audit", description = "The audit trail (`settings:read`)."),
        (name = "api-keys", description = "API keys for integrations (`settings:*`)."),
        (name = "leads", description = "Leads, lead caps and distribution (`management:*`)."),
        (name = "settings", description = "Company settings (`settings:*`)."),
        (name = "reports", description = "Reports (`reports:read`)."),
        (name = "webhooks", description = "Signed HTTP callbacks on changes of users, roles and leads, and their delivery log (`settings:*`)."),
        (name = "operations", description = "Health, readiness and metrics."),
    ),
)]
pub struct ApiDoc;

/// The whole document as pretty JSON, as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `access_token` of a sign-in (a JWT), or an API key (`cly_...`: every operation but the `/me` family, which answers a key 403 `forbidden`).",
                    ))
                    .build(),
            ),
        );
    }
}

struct CommonProblems;

/// The rate-limited sign-in endpoints (`CALLIYO_SIGNIN_RATE`).
const RATE_LIMITED_PATHS: [&str; 4] = [
    "/api/v1/signup",
    "/api/v1/auth/login",
    "/api/v1/auth/mpin",
    "/api/v1/auth/refresh",
];

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_parameter = path.contains('{');
            let rate_limited = RATE_LIMITED_PATHS.contains(&path.as_str());
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_common_problems(operation, has_path_parameter, rate_limited);
            }
        }
    }
}

fn add_common_problems(operation: &mut Operation, has_path_parameter: bool, rate_limited: bool) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let mut common: Vec<(&str, &str)> = Vec::new();
    if has_body || operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        common.push(("400", "`bad_request`: malformed JSON, wrong types, unknown or missing fields, bad query values."));
    }
    if secured {
        common.push((
            "401",
            "`unauthenticated`: missing, invalid or expired token, or an ended session.",
        ));
        common.push(("403", "`forbidden`: the role lacks the permission."));
    }
    if has_path_parameter {
        common.push(("404", "`not_found`: no such record in this company."));
    }
    if has_body {
        common.push((
            "413",
            "`payload_too_large`: the body is over the limit (1 MiB by default).",
        ));
        common.push((
            "415",
            "`unsupported_media_type`: the body is not `application/json`.",
        ));
    }
    if rate_limited {
        common.push((
            "429",
            "`rate_limited`: too many sign-in requests from this address; see `Retry-After`.",
        ));
    }
    common.push(("500", "`internal_error`: the cause is logged, never sent."));
    common.push((
        "503",
        "`unavailable`: overloaded (too many password hashes queued) or the database is down.",
    ));
    for (status, description) in common {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The optional `Idempotency-Key` header, and its 409 and 422, on every authenticated POST
/// but sign-up and `/auth/*` (which ignore the header: see `crate::idempotency`).
struct IdempotentPosts;

const IDEMPOTENCY_KEY_TEXT: &str = "Any string of 1-255 characters. The first request's status \
and body are stored for 24 h; repeating the key with the same method, path and body replays \
that answer (with `Idempotency-Replayed: true`) without doing anything again. Keys are per \
company. Answers 401, 403, 429 and 5xx are not stored, so a retry runs again. Known limit: the \
change and the stored answer are not one transaction, so after a crash between them the key \
answers 409 until it is taken over, 5 minutes after the first request, and runs again.";

impl Modify for IdempotentPosts {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(operation) = item.post.as_mut() else {
                continue;
            };
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if secured && !ignores_key(path) {
                add_idempotency_key(operation);
            }
        }
    }
}

fn add_idempotency_key(operation: &mut Operation) {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(crate::idempotency::MAX_KEY_CHARS));
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(IDEMPOTENCY_KEY_TEXT))
        .schema(Some(schema))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(parameter));
    // The operations without a body or parameters had no 400 before the header was added.
    operation
        .responses
        .responses
        .entry("400".to_owned())
        .or_insert_with(|| {
            RefOr::T(problem_response(
                "`bad_request`: an `Idempotency-Key` that is not 1-255 characters.",
            ))
        });
    for (status, description) in [
        (
            "409",
            "`idempotency_conflict`: the request with this `Idempotency-Key` is still running.",
        ),
        (
            "422",
            "`idempotency_key_reused`: the `Idempotency-Key` came with another request.",
        ),
    ] {
        match operation.responses.responses.get_mut(status) {
            // The operation's own 409 or 422: one more code under the same status.
            Some(RefOr::T(response)) => {
                response.description.push_str(" Or ");
                response.description.push_str(description);
            }
            _ => {
                operation
                    .responses
                    .responses
                    .insert(status.to_owned(), RefOr::T(problem_response(description)));
            }
        }
    }
}
