//! The benchmarks' harness: a company signed up over HTTP, users seeded through the store.
//! `start` runs the app in this process (the `cargo bench` programs); the `loadgen` binary
//! runs the real server as a process of its own and uses the same sign-up and seeding.
//! Servers, databases and the sign-up come from the `harness`; the database is a temp SQLite
//! file, or the empty database named by `BENCH_DATABASE_URL`.

use api::Config;
use domain::auth::{NewAdmin, register_company};
use domain::ports::SecretHasher;
use domain::users::{self, NewUser, UserDetails};
use domain::{
    Actor, ActorKind, CompanyCode, CompanyName, DomainError, Email, EmployeeCode, LeadCap, Mpin,
    Name, Password, PasswordPolicy, PermissionSet, Phone,
};
use futures::StreamExt;
use persistence::entity::user;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{self, Company, Database};

pub use crate::harness::PASSWORD;
/// The company code every benchmark signs up.
pub const COMPANY_CODE: &str = "bench";

/// What a harness step returns when it fails: the `loadgen` binary reports it and exits.
pub type BenchError = harness::Error;

/// A running app with the company `bench` and its admin signed in.
pub struct BenchApp {
    pub base: String,
    pub client: reqwest::Client,
    pub company: Company,
    database: Database,
}

/// The empty database named by `BENCH_DATABASE_URL` (the caller's, left as it is), or a
/// fresh SQLite file.
pub fn database() -> Result<Database, BenchError> {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Ok(Database::given(&url)),
        _ => Database::sqlite(),
    }
}

/// "PostgreSQL" or "SQLite", for the reports.
pub fn backend_name(database_url: &str) -> &'static str {
    if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// Starts the app in this process (the harness's configuration, adjusted by `adjust`) and
/// signs the company up. A benchmark program has no caller to hand an error to: it stops
/// with the error's message.
pub async fn start(adjust: impl FnOnce(&mut Config)) -> BenchApp {
    try_start(adjust)
        .await
        .unwrap_or_else(|err| panic!("starting the benchmark's app: {err}"))
}

async fn try_start(adjust: impl FnOnce(&mut Config)) -> Result<BenchApp, BenchError> {
    let database = database()?;
    let mut config = harness::config(&database.url)?;
    adjust(&mut config);
    let base = harness::start_in_process(&config).await?;
    let client = reqwest::Client::new();
    let company = sign_up(&client, &base).await?;
    Ok(BenchApp {
        base,
        client,
        company,
        database,
    })
}

/// Signs the company `bench` up over HTTP; its admin is `admin@bench.example`.
pub async fn sign_up(client: &reqwest::Client, base: &str) -> Result<Company, BenchError> {
    harness::sign_up(client, base, COMPANY_CODE, PASSWORD).await
}

impl BenchApp {
    pub fn backend(&self) -> &'static str {
        backend_name(&self.database.url)
    }

    /// `seed_users` on this app's database.
    pub async fn seed_users(&self, count: usize, seed: impl Fn(usize) -> UserSeed) -> Vec<Uuid> {
        seed_users(&self.database.url, &self.company, count, seed)
            .await
            .expect("seed users")
    }
}

/// The email of seeded user `i`.
pub fn agent_email(i: usize) -> String {
    format!("agent{i}@bench.example")
}

/// Creates `count` users named `Agent i` (`agent_email(i)`) with the admin's role through the
/// store (the API's own locked transaction, without thousands of password hashes: every user
/// gets the admin's hash, so each signs in with `PASSWORD`), with what `seed(i)` says, then
/// gathers planner statistics as a live database has them (see `analyze`). Returns the
/// users' ids in order.
pub async fn seed_users(
    database_url: &str,
    company: &Company,
    count: usize,
    seed: impl Fn(usize) -> UserSeed,
) -> Result<Vec<Uuid>, BenchError> {
    let store = persistence::connect(&persistence::ConnectOptions {
        url: database_url.to_owned(),
        max_connections: 2,
    })
    .await?;
    let admin = user::Entity::find_by_id((company.company_id, company.admin_id))
        .one(store.connection())
        .await?
        .ok_or("the signed-up admin is not in the database")?;
    let actor = Actor {
        company_id: company.company_id,
        id: company.admin_id,
        kind: ActorKind::User,
        name: admin.name.clone(),
        permissions: PermissionSet::all(),
        ip: None,
    };
    let hasher = AdminsHash(admin.password_hash.clone());
    let password = Password::parse(PASSWORD, None, PasswordPolicy::default())?;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let seed = seed(i);
        let details = UserDetails {
            name: Name::parse(&format!("Agent {i}"))?,
            email: Email::parse(&agent_email(i))?,
            employee_code: seed
                .employee_code
                .map(|c| EmployeeCode::parse(&c))
                .transpose()?,
            phone: seed.phone.map(|p| Phone::parse(&p)).transpose()?,
            department_id: None,
            branch_id: None,
            role_id: admin.role_id,
            lead_cap: LeadCap::parse(seed.lead_cap)?,
            external_id: None,
            banned: false,
        };
        let new = NewUser {
            details,
            password: Some(password.clone()),
            mpin: None,
        };
        ids.push(users::create_user(&store, &hasher, &actor, new).await?);
    }
    analyze(&store).await?;
    store.close().await?;
    Ok(ids)
}

/// Creates `count` users named `Agent i` (`agent_email(i)`, password [`PASSWORD`]) with the
/// company's `Agent` role and `lead_cap(i)` through `POST /api/v1/users`, as an admin's
/// console or an integration would: each password is hashed by the server, each user is a
/// request of its own, and the database gathers statistics only as it would live (nothing
/// runs `ANALYZE`). `at_once` requests are in flight. Returns the users' ids in order.
pub async fn create_users_over_http(
    client: &reqwest::Client,
    base: &str,
    company: &Company,
    count: usize,
    at_once: usize,
    lead_cap: impl Fn(usize) -> i64,
) -> Result<Vec<Uuid>, BenchError> {
    let role_id = harness::role_id(client, base, &company.access_token, "Agent").await?;
    let create = |i: usize| {
        let body = json!({"name": format!("Agent {i}"), "email": agent_email(i),
                          "role_id": role_id, "password": PASSWORD, "lead_cap": lead_cap(i)});
        async move {
            let response = client
                .post(format!("{base}/api/v1/users"))
                .bearer_auth(&company.access_token)
                .json(&body)
                .send()
                .await?;
            let status = response.status();
            let created: Value = response.json().await?;
            if status.as_u16() != 201 {
                return Err(BenchError::from(format!(
                    "creating user {i} answered {status}: {created}"
                )));
            }
            let id = created["id"]
                .as_str()
                .ok_or("a created user without an id")?;
            Ok(id.parse::<Uuid>()?)
        }
    };
    futures::stream::iter((0..count).map(create))
        .buffered(at_once.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// Creates `count` more companies, `tenant-{i}`, each with its subscription, default roles and
/// an admin `admin@tenant-{i}.example` signing in with [`PASSWORD`] (the bench admin's hash
/// again), through the sign-up's use case: one database shared by many tenants. A few at a
/// time on PostgreSQL; one at a time on SQLite, which has one writer anyway.
pub async fn seed_companies(
    database_url: &str,
    company: &Company,
    count: usize,
) -> Result<(), BenchError> {
    let at_once = if database_url.starts_with("postgres") {
        4
    } else {
        1
    };
    let store = persistence::connect(&persistence::ConnectOptions {
        url: database_url.to_owned(),
        max_connections: at_once as u32,
    })
    .await?;
    let password_hash = user::Entity::find_by_id((company.company_id, company.admin_id))
        .one(store.connection())
        .await?
        .ok_or("the signed-up admin is not in the database")?
        .password_hash;
    let tenant = |i: usize| -> Result<_, BenchError> {
        let admin = NewAdmin {
            name: Name::parse("Tenant Admin")?,
            email: Email::parse(&format!("admin@tenant-{i}.example"))?,
            password_hash: password_hash.clone(),
        };
        let name = CompanyName::parse(&format!("Tenant {i}"))?;
        let code = CompanyCode::parse(&format!("tenant-{i}"))?;
        Ok(register_company(&store, name, Some(code), 10, admin))
    };
    {
        let registrations = (0..count).map(tenant).collect::<Result<Vec<_>, _>>()?;
        let mut registered = futures::stream::iter(registrations).buffer_unordered(at_once);
        while let Some(result) = registered.next().await {
            result?;
        }
    }
    analyze(&store).await?;
    store.close().await?;
    Ok(())
}

/// Seeding skips argon2: every seeded user gets the admin's hash of [`PASSWORD`] (ten thousand
/// hashes would take minutes and measure nothing).
struct AdminsHash(String);

impl SecretHasher for AdminsHash {
    async fn hash_password(&self, _: &Password) -> Result<String, DomainError> {
        Ok(self.0.clone())
    }

    async fn hash_mpin(&self, _: &Mpin) -> Result<String, DomainError> {
        Err(DomainError::fault("seeded users get no M-PIN"))
    }

    async fn verify_password(&self, _: &str, _: Option<&str>) -> Result<bool, DomainError> {
        Err(DomainError::fault("seeding checks no password"))
    }

    async fn verify_mpin(&self, _: &str, _: Option<&str>) -> Result<bool, DomainError> {
        Err(DomainError::fault("seeding checks no M-PIN"))
    }
}

/// Gathers planner statistics on the database at `database_url` (after seeding outside
/// `seed_users`; see `analyze`).
pub async fn analyze_database(database_url: &str) -> Result<(), BenchError> {
    let store = persistence::connect(&persistence::ConnectOptions {
        url: database_url.to_owned(),
        max_connections: 1,
    })
    .await?;
    analyze(&store).await?;
    store.close().await?;
    Ok(())
}

/// PostgreSQL only: its autovacuum keeps statistics on every live database, so a just-filled
/// one gets them now. The server never runs `ANALYZE` on SQLite, so a real SQLite database
/// has no statistics and neither does the benchmarks' (with them SQLite planned for the
/// average company: one user when ten thousand small companies share the file, and read a
/// large company's users through the wrong index: BENCHMARKS.md, ten thousand companies).
async fn analyze(store: &persistence::Store) -> Result<(), BenchError> {
    let db = store.connection();
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    db.execute_raw(Statement::from_string(db.get_database_backend(), "ANALYZE"))
        .await?;
    Ok(())
}

/// The body of `POST /api/v1/leads/batch`: leads number `first..first + count`, each with a
/// phone of its own.
pub fn lead_batch(first: usize, count: usize) -> Value {
    let leads: Vec<Value> = (first..first + count)
        .map(|n| json!({"name": format!("Lead {n}"), "phone": format!("+9198{n:08}"), "source": "import"}))
        .collect();
    json!({ "leads": leads })
}

/// What one seeded user gets besides its name and email.
#[derive(Debug, Clone, Default)]
pub struct UserSeed {
    pub lead_cap: i64,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
}
