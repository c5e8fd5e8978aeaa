//! Sign-up and password sign-in, refresh and sign-out (public endpoints). What a sign-in
//! decides and writes is `domain::auth`; here: the rate limit, parsing, the metrics and the
//! tokens.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use domain::auth::{
    self, Client, MpinSignIn, NewDevice, PasswordSignIn, Refusal, SignUp, SignedIn,
};
use domain::queries::UserQueries;
use domain::{CompanyCode, CompanyName, DomainError, Email, Name, Password, PasswordPolicy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::client_address::client_address;
use crate::dto::{CompanyDto, Tokens, UserDto};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::security::tokens::{RefreshClaims, device_token_hash, new_device_token};
use crate::state::AppState;
use crate::validation::FieldChecks;

pub fn resources() -> impl HttpServiceFactory {
    (
        Endpoint::new("/signup").post(signup).finish(),
        Endpoint::new("/auth/login").post(login).finish(),
        Endpoint::new("/auth/mpin").post(mpin_login).finish(),
        Endpoint::new("/auth/refresh").post(refresh).finish(),
        Endpoint::new("/auth/logout").post(logout).finish(),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[schema(value_type = crate::schema_rules::Name)]
    pub company_name: String,
    /// The sign-in code: 3-40 of `a-z`, `0-9`, `-`. Derived from the name when left out
    /// (with a short random suffix if that code is taken).
    #[serde(default)]
    #[schema(value_type = Option<crate::schema_rules::CompanyCode>)]
    pub company_code: Option<String>,
    #[serde(deserialize_with = "crate::json::object")]
    pub admin: SignupAdmin,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupAdmin {
    #[schema(value_type = crate::schema_rules::Name)]
    pub name: String,
    #[schema(value_type = crate::schema_rules::Email)]
    pub email: String,
    /// 8-128 characters (the minimum is configurable), not the email, not a common password.
    #[schema(value_type = crate::schema_rules::NewPassword)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    pub company: CompanyDto,
    pub user: UserDto,
    pub tokens: Tokens,
}

/// Creates a company: its subscription, the default roles (Company Admin, Manager, Agent)
/// and its first user, a Company Admin, who is signed in.
#[utoipa::path(post, path = "/api/v1/signup", operation_id = "signUp", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, description = "The company exists and its admin is signed in.", body = SignupResponse,
            headers(("Location" = String, description = "The new user's URL."),
                ("Cache-Control" = String, description = "`no-store`: the answer carries secrets."))),
        (status = 404, description = "Sign-up is disabled on this server.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`company_code_taken`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    if !state.signup_open {
        return Err(ApiError::NotFound);
    }
    state.sign_in_limiter.check(client_address(&req))?;
    let form = parse_signup(body.0, state.password_policy)?;
    let sign_up = SignUp {
        company_name: form.company_name,
        company_code: form.company_code,
        admin_name: form.admin_name,
        admin_email: form.admin_email,
        password: form.password,
        agent_limit: state.default_agent_limit,
        client: client(&req),
        lifetime: state.session_lifetime,
    };
    let signed_up = auth::sign_up(&state.store, state.get_ref(), state.get_ref(), sign_up).await?;
    let company = signed_up.company;
    let session = RefreshClaims {
        company_id: company.company_id,
        session_id: signed_up.session_id,
        generation: 0,
    };
    let tokens = tokens_for(&state, session, company.admin_id).await?;
    let location = format!("/api/v1/users/{}", company.admin_id);
    let user = state
        .store
        .user_view(company.company_id, company.admin_id)
        .await?;
    let body = SignupResponse {
        company: CompanyDto {
            id: company.company_id,
            name: company.name,
            code: company.code,
        },
        user: user.into(),
        tokens,
    };
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location));
    Ok(token_answer(created, body))
}

/// Tokens are secrets: no cache, in a browser or on the way, may keep an answer carrying them.
fn token_answer(mut answer: HttpResponseBuilder, body: impl Serialize) -> HttpResponse {
    answer
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(body)
}

struct SignupForm {
    company_name: CompanyName,
    company_code: Option<CompanyCode>,
    admin_name: Name,
    admin_email: Email,
    password: Password,
}

fn parse_signup(body: SignupRequest, policy: PasswordPolicy) -> Result<SignupForm, ApiError> {
    let mut checks = FieldChecks::default();
    let company_name = checks.check("company_name", CompanyName::parse(&body.company_name));
    let company_code = match body.company_code.as_deref() {
        Some(code) => checks.check("company_code", CompanyCode::parse(code)),
        None => None,
    };
    let admin_name = checks.check("admin.name", Name::parse(&body.admin.name));
    let admin_email = checks.check("admin.email", Email::parse(&body.admin.email));
    let password = checks.check(
        "admin.password",
        Password::parse(&body.admin.password, admin_email.as_ref(), policy),
    );
    checks.finish()?;
    match (company_name, admin_name, admin_email, password) {
        (Some(company_name), Some(admin_name), Some(admin_email), Some(password)) => {
            Ok(SignupForm {
                company_name,
                company_code,
                admin_name,
                admin_email,
                password,
            })
        }
        _ => Err(ApiError::internal("a refused field recorded no error")),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The company's code.
    pub company: String,
    pub email: String,
    pub password: String,
    /// Registers this device for M-PIN sign-in (e.g. `Ravi's Pixel 8`); the answer then
    /// carries its `device_token`.
    #[schema(value_type = Option<crate::schema_rules::Name>)]
    pub device_name: Option<String>,
}

/// Signs in with company code, email and password.
///
/// An unknown company, an unknown email and a wrong password get the same answer, after the
/// same amount of work. After 5 wrong passwords in a row the account is locked for 1 minute,
/// doubling with each further failure up to 15 minutes (423 even with the right password);
/// failures are forgotten a day after the last one. A company code and email that name no
/// account are counted and locked in the same way (the 6th wrong attempt is 423 too), so no
/// answer tells whether an account exists.
/// A banned user gets 403 `user_banned`, but only with the right password. A success also
/// unlocks a locked M-PIN.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = Tokens,
            headers(("Cache-Control" = String, description = "`no-store`: the answer carries secrets."))),
        (status = 401, description = "`invalid_credentials`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`user_banned`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` on `device_name`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`, with `Retry-After`.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the lock ends."))),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    state.sign_in_limiter.check(client_address(&req))?;
    let body = body.0;
    let device = match body.device_name.as_deref() {
        Some(name) => {
            let name = Name::parse(name).map_err(|err| ApiError::invalid(err.at("device_name")))?;
            let (token, token_hash) = new_device_token();
            Some((token, NewDevice { name, token_hash }))
        }
        None => None,
    };
    let (device_token, register_device) = device.unzip();
    let attempt = PasswordSignIn {
        company: &body.company,
        email: &body.email,
        password: &body.password,
        register_device,
        client: client(&req),
        lifetime: state.session_lifetime,
    };
    let result =
        auth::sign_in_with_password(&state.store, state.get_ref(), state.get_ref(), attempt).await;
    let mut tokens = signed_in_tokens(&state, result).await?;
    tokens.device_token = device_token;
    Ok(token_answer(HttpResponse::Ok(), tokens))
}

/// Counts a refused sign-in's wrong secret, or issues the tokens of its session.
async fn signed_in_tokens(
    state: &AppState,
    result: Result<SignedIn, DomainError>,
) -> Result<Tokens, ApiError> {
    if let Err(DomainError::SignIn(Refusal::WrongSecret { secret, locked })) = &result {
        state.metrics.wrong_secret(*secret, *locked);
    }
    let signed_in = result?;
    let session = RefreshClaims {
        company_id: signed_in.company_id,
        session_id: signed_in.session_id,
        generation: 0,
    };
    tokens_for(state, session, signed_in.user_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MpinLoginRequest {
    /// The company's code.
    pub company: String,
    pub email: String,
    /// The user's 4-digit M-PIN.
    pub mpin: String,
    /// What a password sign-in with `device_name` returned on this device.
    pub device_token: String,
}

/// Quick sign-in on a registered device with the 4-digit M-PIN.
///
/// Only works with a `device_token` that a password sign-in of the same user registered; a
/// made-up or another user's token is 401 `invalid_credentials`. After 5 wrong M-PINs in a
/// row the M-PIN is locked (423 `mpin_locked`) until a password sign-in or an admin reset.
#[utoipa::path(post, path = "/api/v1/auth/mpin", operation_id = "loginWithMpin", tag = "auth", request_body = MpinLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = Tokens,
            headers(("Cache-Control" = String, description = "`no-store`: the answer carries secrets."))),
        (status = 401, description = "`invalid_credentials`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`user_banned` (only after the right M-PIN).", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`mpin_not_set`.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`mpin_locked`.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn mpin_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<MpinLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    state.sign_in_limiter.check(client_address(&req))?;
    let body = body.0;
    let device_token_hash = device_token_hash(&body.device_token);
    let attempt = MpinSignIn {
        company: &body.company,
        email: &body.email,
        mpin: &body.mpin,
        device_token_hash: &device_token_hash,
        client: client(&req),
        lifetime: state.session_lifetime,
    };
    let result =
        auth::sign_in_with_mpin(&state.store, state.get_ref(), state.get_ref(), attempt).await;
    let tokens = signed_in_tokens(&state, result).await?;
    Ok(token_answer(HttpResponse::Ok(), tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for new tokens. The old refresh token stops working; presenting
/// it again revokes the whole session (it was stolen, or replayed).
#[utoipa::path(post, path = "/api/v1/auth/refresh", operation_id = "refreshTokens", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens.", body = Tokens,
            headers(("Cache-Control" = String, description = "`no-store`: the answer carries secrets."))),
        (status = 401, description = "`unauthenticated`: unknown, used, expired or revoked token.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state.sign_in_limiter.check(client_address(&req))?;
    let claims = state
        .tokens
        .verify_refresh(&body.0.refresh_token)
        .ok_or(ApiError::Unauthenticated)?;
    let refreshed = auth::refresh(
        &state.store,
        state.get_ref(),
        claims.company_id,
        claims.session_id,
        claims.generation,
        state.session_lifetime,
    )
    .await?;
    let session = RefreshClaims {
        generation: refreshed.generation,
        ..claims
    };
    let tokens = tokens_for(&state, session, refreshed.user_id).await?;
    Ok(token_answer(HttpResponse::Ok(), tokens))
}

/// Signs the device out: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", operation_id = "logout", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out (also when the session had already ended)."),
        (status = 401, description = "`unauthenticated`: not a refresh token of this server.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let claims = state
        .tokens
        .verify_refresh(&body.0.refresh_token)
        .ok_or(ApiError::Unauthenticated)?;
    auth::sign_out(
        &state.store,
        state.get_ref(),
        claims.company_id,
        claims.session_id,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client's user agent and address, as its session and the audit trail record them.
fn client(req: &HttpRequest) -> Client {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    Client {
        user_agent,
        ip: crate::actor::client_ip(req),
    }
}

async fn tokens_for(
    state: &AppState,
    session: RefreshClaims,
    user_id: Uuid,
) -> Result<Tokens, ApiError> {
    let access_token =
        state
            .tokens
            .issue_access(user_id, session.company_id, session.session_id)?;
    let user = state.store.user_view(session.company_id, user_id).await?;
    Ok(Tokens {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_lifetime.num_seconds(),
        refresh_token: state.tokens.issue_refresh(session),
        device_token: None,
        user: user.into(),
    })
}
