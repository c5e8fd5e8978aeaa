//! The benchmarks' harness. The database is a temp SQLite file, or the empty database named
//! by `BENCH_DATABASE_URL`; the server runs in this process.

use api::{Application, Cli, Config};
use clap::Parser;
use domain::{Email, EmployeeCode, LeadCap, Name, PermissionSet, Phone};
use persistence::entity::user;
use persistence::{ActingUser, NewUser};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

/// A running app with the company `bench` and its admin signed in.
pub struct BenchApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    pub token: String,
    pub company_id: Uuid,
    pub admin_id: Uuid,
    _dir: tempfile::TempDir,
}

/// Starts the app (configuration adjusted by `adjust`) and signs the company up.
pub async fn start(adjust: impl FnOnce(&mut Config)) -> BenchApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = database_url.clone();
    config.bind = "127.0.0.1:0".parse().expect("address");
    config.jwt_secret = Some("bench secret that is long enough for HS256".into());
    config.scheduler = false;
    adjust(&mut config);
    let app = Application::build(&config).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let signup: Value = client
        .post(format!("{base}/api/v1/signup"))
        .json(&json!({"company_name": "Bench", "company_code": "bench",
                      "admin": {"name": "Admin", "email": "admin@bench.example", "password": PASSWORD}}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    let id = |value: &Value| value.as_str().expect("id").parse::<Uuid>().expect("uuid");
    BenchApp {
        token: signup["tokens"]["access_token"]
            .as_str()
            .expect("token")
            .to_owned(),
        company_id: id(&signup["company"]["id"]),
        admin_id: id(&signup["user"]["id"]),
        base,
        client,
        database_url,
        _dir: dir,
    }
}

impl BenchApp {
    pub fn backend(&self) -> &'static str {
        if self.database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    /// Creates `count` users named `Agent i` (`agent{i}@bench.example`) through the store
    /// (the API's own locked transaction, without 10,000 password hashes: every user gets the
    /// admin's hash), with what `seed(i)` says, then runs `ANALYZE`: a long-lived database
    /// has planner statistics, a just-filled one gets them now.
    pub async fn seed_users(&self, count: usize, seed: impl Fn(usize) -> UserSeed) {
        let store = persistence::connect(&persistence::ConnectOptions {
            url: self.database_url.clone(),
            max_connections: 2,
        })
        .await
        .expect("connect");
        let tenant = store.tenant(self.company_id);
        let admin = user::Entity::find_by_id((self.company_id, self.admin_id))
            .one(store.connection())
            .await
            .expect("query")
            .expect("admin");
        let actor = ActingUser {
            user_id: self.admin_id,
            name: admin.name.clone(),
            permissions: PermissionSet::all(),
            ip: None,
        };
        for i in 0..count {
            let seed = seed(i);
            let new = NewUser {
                name: Name::parse(&format!("Agent {i}")).expect("name"),
                email: Email::parse(&format!("agent{i}@bench.example")).expect("email"),
                employee_code: seed
                    .employee_code
                    .map(|c| EmployeeCode::parse(&c).expect("code")),
                phone: seed.phone.map(|p| Phone::parse(&p).expect("phone")),
                department_id: None,
                branch_id: None,
                role_id: admin.role_id,
                password_hash: admin.password_hash.clone(),
                mpin_hash: None,
                lead_cap: LeadCap::parse(seed.lead_cap).expect("cap"),
            };
            tenant.create_user(&actor, new).await.expect("create");
        }
        let db = store.connection();
        db.execute_raw(Statement::from_string(db.get_database_backend(), "ANALYZE"))
            .await
            .expect("analyze");
        store.close().await.expect("close");
    }
}

/// What one seeded user gets besides its name and email.
#[derive(Debug, Clone, Default)]
pub struct UserSeed {
    pub lead_cap: i64,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
}
