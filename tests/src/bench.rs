//! The benchmarks' harness: a company signed up over HTTP, users seeded through the store.
//! `start` runs the app in this process (the `cargo bench` programs); the `loadgen` binary
//! runs the real server as a process of its own and uses the same sign-up and seeding.
//! The database is a temp SQLite file, or the empty database named by `BENCH_DATABASE_URL`.

use std::path::Path;

use api::{Application, Cli, Config};
use clap::Parser;
use domain::ports::SecretHasher;
use domain::users::{self, NewUser, UserDetails};
use domain::{
    Actor, DomainError, Email, EmployeeCode, LeadCap, Mpin, Name, Password, PasswordPolicy,
    PermissionSet, Phone,
};
use persistence::entity::user;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

/// The admin's password, and every seeded user's (they share the admin's hash).
pub const PASSWORD: &str = "correct horse battery";
/// The company code every benchmark signs up.
pub const COMPANY_CODE: &str = "bench";
/// A token-signing secret for benchmark servers (32+ bytes, as the server requires).
pub const JWT_SECRET: &str = "bench secret that is long enough for HS256";

/// What a harness step returns when it fails: the `loadgen` binary reports it and exits.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// The company `bench` as its sign-up answered: the admin's access token and the ids seeding
/// needs.
#[derive(Debug, Clone)]
pub struct SignedUp {
    pub token: String,
    pub company_id: Uuid,
    pub admin_id: Uuid,
}

/// A running app with the company `bench` and its admin signed in.
pub struct BenchApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    pub company: SignedUp,
    _dir: tempfile::TempDir,
}

/// `BENCH_DATABASE_URL`, or a fresh SQLite file in `dir`.
pub fn database_url_or_temp(dir: &Path) -> String {
    std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| temp_sqlite_url(dir))
}

/// A SQLite database file in `dir`, created on first connect.
pub fn temp_sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("bench.db").display())
}

/// "PostgreSQL" or "SQLite", for the reports.
pub fn backend_name(database_url: &str) -> &'static str {
    if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// Starts the app in this process (configuration adjusted by `adjust`) and signs the company
/// up.
pub async fn start(adjust: impl FnOnce(&mut Config)) -> BenchApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = database_url_or_temp(dir.path());
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = database_url.clone();
    config.bind = "127.0.0.1:0".parse().expect("address");
    config.jwt_secret = Some(JWT_SECRET.into());
    config.scheduler = false;
    adjust(&mut config);
    let app = Application::build(&config).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let company = sign_up(&client, &base).await.expect("sign-up");
    BenchApp {
        base,
        client,
        database_url,
        company,
        _dir: dir,
    }
}

/// Signs the company `bench` up over HTTP; its admin is `admin@bench.example`.
pub async fn sign_up(client: &reqwest::Client, base: &str) -> Result<SignedUp, BenchError> {
    let response = client
        .post(format!("{base}/api/v1/signup"))
        .json(&json!({"company_name": "Bench", "company_code": COMPANY_CODE,
                      "admin": {"name": "Admin", "email": "admin@bench.example", "password": PASSWORD}}))
        .send()
        .await?;
    let status = response.status();
    if status.as_u16() != 201 {
        return Err(format!("sign-up answered {status}: {}", response.text().await?).into());
    }
    let body: Value = response.json().await?;
    let id = |value: &Value| -> Result<Uuid, BenchError> {
        Ok(value.as_str().ok_or("sign-up: id missing")?.parse()?)
    };
    Ok(SignedUp {
        token: body["tokens"]["access_token"]
            .as_str()
            .ok_or("sign-up: access token missing")?
            .to_owned(),
        company_id: id(&body["company"]["id"])?,
        admin_id: id(&body["user"]["id"])?,
    })
}

impl BenchApp {
    pub fn backend(&self) -> &'static str {
        backend_name(&self.database_url)
    }

    /// `seed_users` on this app's database.
    pub async fn seed_users(&self, count: usize, seed: impl Fn(usize) -> UserSeed) -> Vec<Uuid> {
        seed_users(&self.database_url, &self.company, count, seed)
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
/// runs `ANALYZE`: a long-lived database has planner statistics, a just-filled one gets them
/// now. Returns the users' ids in order.
pub async fn seed_users(
    database_url: &str,
    company: &SignedUp,
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
        user_id: company.admin_id,
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
        };
        let new = NewUser {
            details,
            password: password.clone(),
            mpin: None,
        };
        ids.push(users::create_user(&store, &hasher, &actor, new).await?);
    }
    analyze(&store).await?;
    store.close().await?;
    Ok(ids)
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
}

/// Runs `ANALYZE` on the database at `database_url` (after seeding outside `seed_users`).
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

async fn analyze(store: &persistence::Store) -> Result<(), BenchError> {
    let db = store.connection();
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
