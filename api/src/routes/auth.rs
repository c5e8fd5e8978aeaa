// Over 400 lines until sign-in moves into domain use cases (issue 10): the handlers then shrink to parse, call, render.
//! Sign-up and password sign-in, refresh and sign-out (public endpoints).

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use domain::ports::SecretHasher;
use domain::{
    CompanyCode, CompanyName, Email, Name, Password, PasswordPolicy, Secret, UniqueField, rules,
};
use persistence::{
    NewAdmin, NewCompany, NewSession, Refresh, SignInEvent, SignInMethod, SignInRecord,
    SignInSuccess, StoreError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Endpoint;
use crate::dto::{CompanyDto, Tokens, UserDto};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::metrics::SignInEvent as MetricEvent;
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
#[utoipa::path(post, path = "/api/v1/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, description = "The company exists and its admin is signed in.", body = SignupResponse,
            headers(("Location" = String, description = "The new user's URL."))),
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
    state
        .sign_in_limiter
        .check(req.peer_addr().map(|a| a.ip()))?;
    let form = parse_signup(body.0, state.password_policy)?;
    let password_hash = state.hash_password(&form.password).await?;
    let admin = NewAdmin {
        name: form.admin_name,
        email: form.admin_email,
        password_hash,
    };
    let created = create_company(&state, form.company_name, form.company_code, admin).await?;
    let tokens = open_session(&state, &req, created.company.id, created.admin_id).await?;
    let location = format!("/api/v1/users/{}", created.admin_id);
    let user = state
        .store
        .tenant(created.company.id)
        .user_view(created.admin_id)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(SignupResponse {
            company: created.company.into(),
            user: user.into(),
            tokens,
        }))
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

/// How many random suffixes to try when the code derived from a name is taken.
const DERIVED_CODE_ATTEMPTS: usize = 5;

async fn create_company(
    state: &AppState,
    name: CompanyName,
    chosen_code: Option<CompanyCode>,
    admin: NewAdmin,
) -> Result<persistence::SignedUpCompany, ApiError> {
    let agent_limit = state.default_agent_limit;
    if let Some(code) = chosen_code {
        let new = NewCompany {
            name,
            code,
            agent_limit,
            admin,
        };
        return Ok(state.store.create_company(new).await?);
    }
    let mut suffix: Option<String> = None;
    for _ in 0..=DERIVED_CODE_ATTEMPTS {
        let code = CompanyCode::from_name(&name, suffix.as_deref());
        let new = NewCompany {
            name: name.clone(),
            code,
            agent_limit,
            admin: admin.clone(),
        };
        match state.store.create_company(new).await {
            Err(StoreError::Conflict(UniqueField::CompanyCode)) => suffix = Some(random_suffix()),
            other => return Ok(other?),
        }
    }
    Err(ApiError::Taken(UniqueField::CompanyCode))
}

/// Four characters of `a-z0-9` from a v4 UUID's random bits.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    Uuid::new_v4().as_bytes()[..4]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
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
/// doubling with each further failure up to 15 minutes (423 even with the right password).
/// A banned user gets 403 `user_banned`, but only with the right password. A success also
/// unlocks a locked M-PIN.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = Tokens),
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
    state
        .sign_in_limiter
        .check(req.peer_addr().map(|a| a.ip()))?;
    let body = body.0;
    let device_name = match body.device_name.as_deref() {
        Some(name) => {
            Some(Name::parse(name).map_err(|err| ApiError::invalid(err.at("device_name")))?)
        }
        None => None,
    };
    let account = find_account(&state, &body.company, &body.email).await?;
    let now = Utc::now();
    // The attempt is charged before the password is checked, so a locked account is refused
    // even with the right password, and concurrent guesses are counted one by one.
    let charged = match &account {
        Some(account) => match state
            .store
            .tenant(account.company_id)
            .charge(Secret::Password, account.user_id, now)
            .await?
        {
            Ok(charged) => Some(charged),
            Err(locked) => return Err(ApiError::locked(locked, now)),
        },
        None => None,
    };
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state.hasher.verify(body.password, hash).await?;
    let Some(account) = account else {
        return Err(ApiError::InvalidCredentials);
    };
    let tenant = state.store.tenant(account.company_id);
    let ip = crate::actor::client_ip(&req);
    let event = |action| SignInEvent {
        action,
        user_id: account.user_id,
        user_name: account.name.clone(),
        device: None,
        ip: ip.clone(),
    };
    if !verified {
        state.metrics.sign_in(MetricEvent::PasswordFailure);
        tenant.record_sign_in(event("auth.login_failed")).await?;
        if charged.is_some_and(|c| c.locks_if_wrong()) {
            state.metrics.sign_in(MetricEvent::AccountLocked);
            tenant.record_sign_in(event("auth.locked")).await?;
        }
        return Err(ApiError::InvalidCredentials);
    }
    if rules::may_sign_in(account.banned).is_err() {
        tenant.clear_lockouts(account.user_id, true).await?;
        return Err(ApiError::UserBanned);
    }
    let (device_token, register_device) = match device_name {
        Some(name) => {
            let (token, hash) = new_device_token();
            (Some(token), Some((name.into_inner(), hash)))
        }
        None => (None, None),
    };
    let method = SignInMethod::Password { register_device };
    let mut tokens = sign_in(&state, &req, &account, method).await?;
    tokens.device_token = device_token;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Completes a sign-in whose secret checked out: session, device, lockouts, audit, tokens.
async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    account: &SignInRecord,
    method: SignInMethod,
) -> Result<Tokens, ApiError> {
    let signed_in = state
        .store
        .tenant(account.company_id)
        .complete_sign_in(SignInSuccess {
            user_id: account.user_id,
            user_name: account.name.clone(),
            ip: crate::actor::client_ip(req),
            method,
            session: new_session(state, req, account.user_id),
        })
        .await?;
    let session = RefreshClaims {
        company_id: account.company_id,
        session_id: signed_in.session_id,
        generation: 0,
    };
    tokens_for(state, session, account.user_id).await
}

/// The account a sign-in names; codes and emails that do not parse name none, and go down
/// the unknown-account path so they cost the same and answer the same.
async fn find_account(
    state: &AppState,
    company: &str,
    email: &str,
) -> Result<Option<SignInRecord>, ApiError> {
    Ok(match (CompanyCode::parse(company), Email::parse(email)) {
        (Ok(code), Ok(email)) => state.store.find_sign_in(&code, &email).await?,
        _ => None,
    })
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
#[utoipa::path(post, path = "/api/v1/auth/mpin", tag = "auth", request_body = MpinLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = Tokens),
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
    state
        .sign_in_limiter
        .check(req.peer_addr().map(|a| a.ip()))?;
    let body = body.0;
    let peppered = state.pin_pepper.apply(&body.mpin);
    let account = find_account(&state, &body.company, &body.email).await?;
    let device = match &account {
        Some(account) => {
            let hash = device_token_hash(&body.device_token);
            state
                .store
                .tenant(account.company_id)
                .find_device(account.user_id, &hash)
                .await?
        }
        None => None,
    };
    let (Some(account), Some(device)) = (account, device) else {
        // Pay for one verify so an unknown account or device costs what a wrong PIN does.
        state.hasher.verify(peppered, None).await?;
        return Err(ApiError::InvalidCredentials);
    };
    let Some(mpin_hash) = account.mpin_hash.clone() else {
        return Err(ApiError::MpinNotSet);
    };
    let tenant = state.store.tenant(account.company_id);
    let now = Utc::now();
    let charged = tenant
        .charge(Secret::Mpin, account.user_id, now)
        .await?
        .map_err(|locked| ApiError::locked(locked, now))?;
    let verified = state.hasher.verify(peppered, Some(mpin_hash)).await?;
    let event = |action| SignInEvent {
        action,
        user_id: account.user_id,
        user_name: account.name.clone(),
        device: Some(device.clone()),
        ip: crate::actor::client_ip(&req),
    };
    if !verified {
        state.metrics.sign_in(MetricEvent::MpinFailure);
        tenant.record_sign_in(event("auth.login_failed")).await?;
        if charged.locks_if_wrong() {
            state.metrics.sign_in(MetricEvent::MpinLocked);
            tenant.record_sign_in(event("auth.mpin_locked")).await?;
        }
        return Err(ApiError::InvalidCredentials);
    }
    if rules::may_sign_in(account.banned).is_err() {
        tenant.clear_lockouts(account.user_id, false).await?;
        return Err(ApiError::UserBanned);
    }
    let tokens = sign_in(&state, &req, &account, SignInMethod::Mpin { device }).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for new tokens. The old refresh token stops working; presenting
/// it again revokes the whole session (it was stolen, or replayed).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens.", body = Tokens),
        (status = 401, description = "`unauthenticated`: unknown, used, expired or revoked token.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .sign_in_limiter
        .check(req.peer_addr().map(|a| a.ip()))?;
    let claims = state
        .tokens
        .verify_refresh(&body.0.refresh_token)
        .ok_or(ApiError::Unauthenticated)?;
    let tenant = state.store.tenant(claims.company_id);
    let outcome = tenant
        .refresh_session(
            claims.session_id,
            claims.generation,
            state.tokens.refresh_lifetime,
        )
        .await?;
    let Refresh::Rotated {
        user_id,
        generation,
    } = outcome
    else {
        return Err(ApiError::Unauthenticated);
    };
    // A banned or deleted user's session is dead even though its token was current.
    if tenant.actor(user_id, claims.session_id).await?.is_none() {
        return Err(ApiError::Unauthenticated);
    }
    let session = RefreshClaims {
        generation,
        ..claims
    };
    let tokens = tokens_for(&state, session, user_id).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Signs the device out: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
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
    state
        .store
        .tenant(claims.company_id)
        .revoke_session(claims.session_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Opens a session for the admin a sign-up just created, and issues its tokens.
async fn open_session(
    state: &AppState,
    req: &HttpRequest,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<Tokens, ApiError> {
    let new = new_session(state, req, user_id);
    let session_id = state.store.tenant(company_id).create_session(new).await?;
    let session = RefreshClaims {
        company_id,
        session_id,
        generation: 0,
    };
    tokens_for(state, session, user_id).await
}

/// The session a request opens, with its client's user agent and address.
fn new_session(state: &AppState, req: &HttpRequest, user_id: Uuid) -> NewSession {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    NewSession {
        user_id,
        device_id: None,
        user_agent,
        ip: crate::actor::client_ip(req),
        idle_lifetime: state.tokens.refresh_lifetime,
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
    let user = state
        .store
        .tenant(session.company_id)
        .user_view(user_id)
        .await?;
    Ok(Tokens {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_lifetime.num_seconds(),
        refresh_token: state.tokens.issue_refresh(session),
        device_token: None,
        user: user.into(),
    })
}
