//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations.
//!
//! The errors every operation shares are added by [`CommonProblems`] from what the operation
//! is (secured, has a body, has a path parameter), so no operation can forget one and each
//! annotation lists only what is particular to it.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{PROBLEM_JSON, Problem, ProblemField};
use crate::routes::groups::{branches, departments};
use crate::routes::{
    audit, auth, devices, distribution, leads, me, ops, permissions, reports, roles, settings,
    subscription, time_zones, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Calliyo API",
        description = "Multi-tenant call-centre CRM: companies, users, roles and leads. Errors are RFC 9457 problem details whose `code` is stable.",
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
        leads::list_leads, leads::create_lead, leads::create_leads, leads::get_lead, leads::update_lead,
        leads::delete_lead, distribution::distribute,
        settings::get_settings, settings::update_settings, time_zones::list_time_zones,
        reports::lead_load,
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth, &CommonProblems),
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
        (name = "leads", description = "Leads, lead caps and distribution (`management:*`)."),
        (name = "settings", description = "Company settings (`settings:*`)."),
        (name = "reports", description = "Reports (`reports:read`)."),
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
                    .bearer_format("JWT")
                    .description(Some("The `access_token` of a sign-in."))
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
