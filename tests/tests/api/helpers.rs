//! `spawn_app()`: the real application on port 0 against a fresh database, migrated by the
//! real migrations. A temp SQLite file by default; with `TEST_DATABASE_URL` set, a fresh
//! PostgreSQL database per test, cloned from a template migrated once per run and dropped
//! when the test ends.

use std::sync::OnceLock;

use api::{Application, Cli, Config};
use clap::Parser;
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    _database: TestDatabase,
}

/// What a sign-up gave back.
pub struct Signup {
    pub company_id: String,
    pub user_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with the configuration adjusted first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let database = TestDatabase::create().await;
    let config = test_config(&database.url, adjust);
    let app = Application::build(&config).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        database_url: database.url.clone(),
        _database: database,
    }
}

/// The configuration every test app starts from, on `database_url`.
fn test_config(database_url: &str, adjust: impl FnOnce(&mut Config)) -> Config {
    let mut config = Cli::parse_from(["calliyo"]).config;
    config.database_url = database_url.to_owned();
    config.bind = "127.0.0.1:0".parse().expect("address");
    config.jwt_secret = Some("test secret that is long enough for HS256".into());
    config.signup = true;
    config.default_agent_limit = 5;
    config.db_max_connections = 5;
    config.cors_origins = Vec::new();
    // Tests run the daily top-up themselves, at the times they choose.
    config.scheduler = false;
    adjust(&mut config);
    config
}

impl TestApp {
    /// A second server on the same database, with its own pool: another replica. Returns
    /// its base address; send requests there with [`TestApp::request_to`].
    pub async fn replica(&self) -> String {
        let app = Application::build(&test_config(&self.database_url, |_| {}))
            .await
            .expect("the replica builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    /// Like [`TestApp::request`], to the server at `base`.
    pub async fn request_to(
        &self,
        base: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.client.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the request is sent")
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the request is sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Signs up a company with code `code` whose admin is `admin@<code>.example`.
    pub async fn signup(&self, code: &str) -> Signup {
        let email = format!("admin@{code}.example");
        let response = self
            .post(
                "/api/v1/signup",
                None,
                &json!({"company_name": format!("Company {code}"), "company_code": code,
                        "admin": {"name": "Asha Admin", "email": email, "password": PASSWORD}}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("json");
        Signup {
            company_id: text(&body["company"]["id"]),
            user_id: text(&body["user"]["id"]),
            email,
            access_token: text(&body["tokens"]["access_token"]),
            refresh_token: text(&body["tokens"]["refresh_token"]),
        }
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token, None).await
    }

    /// The id of the company's role called `name`.
    pub async fn role_id(&self, token: &str, name: &str) -> String {
        let roles: Value = self
            .get("/api/v1/roles", Some(token))
            .await
            .json()
            .await
            .expect("json");
        let role = roles["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no role {name}"));
        text(&role["id"])
    }

    /// Creates a user with `role` and the given email; `extra` fields are merged in.
    pub async fn create_user_response(
        &self,
        token: &str,
        email: &str,
        role_id: &str,
        extra: Value,
    ) -> Response {
        let mut body = json!({"name": format!("User {email}"), "email": email, "role_id": role_id,
                              "password": PASSWORD});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.post("/api/v1/users", Some(token), &body).await
    }

    /// Creates a user and returns its JSON.
    pub async fn create_user(&self, token: &str, email: &str, role: &str) -> Value {
        let role_id = self.role_id(token, role).await;
        let response = self
            .create_user_response(token, email, &role_id, json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {email}");
        response.json().await.expect("json")
    }

    /// Signs in with a password and registers a device; returns the device token.
    pub async fn register_device(&self, company: &str, email: &str) -> String {
        let body = json!({"company": company, "email": email, "password": PASSWORD, "device_name": "Pixel 8"});
        let response = self.post("/api/v1/auth/login", None, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "registering a device for {email}"
        );
        let tokens: Value = response.json().await.expect("json");
        text(&tokens["device_token"])
    }

    pub async fn mpin_login(
        &self,
        company: &str,
        email: &str,
        mpin: &str,
        device_token: &str,
    ) -> Response {
        let body =
            json!({"company": company, "email": email, "mpin": mpin, "device_token": device_token});
        self.post("/api/v1/auth/mpin", None, &body).await
    }

    /// Signs a user in and returns the access token.
    pub async fn token_of(&self, company: &str, email: &str) -> String {
        let response = self.login(company, email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in {email}");
        let tokens: Value = response.json().await.expect("json");
        text(&tokens["access_token"])
    }

    pub async fn login(&self, company: &str, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"company": company, "email": email, "password": password}),
        )
        .await
    }

    /// Runs one statement on the app's database, for arranging states no endpoint makes yet.
    pub async fn execute(&self, sql: &str) {
        let db = Database::connect(&self.database_url)
            .await
            .expect("connect");
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("statement runs");
        db.close().await.expect("close");
    }
}

pub fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
        .to_owned()
}

/// Reads a problem-details body, checking its content type and status.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], "about:blank");
    body
}

/// A database that lives as long as the test.
struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    async fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(template_url) if !template_url.is_empty() => Self::postgres(&template_url).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("calliyo.db").display()
        );
        Self {
            url,
            cleanup: Cleanup::SqliteDir(dir),
        }
    }

    /// The database named by `TEST_DATABASE_URL` is migrated once per run and used as the
    /// template of each test's database: copying a template is much faster than migrating.
    async fn postgres(template_url: &str) -> Self {
        let (server, template) = template_url
            .rsplit_once('/')
            .expect("TEST_DATABASE_URL is postgres://USER@HOST:PORT/DATABASE");
        let admin_url = format!("{server}/postgres");
        migrated_template(template_url).await;
        let name = format!("calliyo_t_{}", Uuid::new_v4().simple());
        let admin = connect(&admin_url).await;
        run(
            &admin,
            &format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#),
        )
        .await;
        admin.close().await.expect("close");
        Self {
            url: format!("{server}/{name}"),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

async fn migrated_template(template_url: &str) {
    static TEMPLATE: OnceCell<()> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let (server, template) = template_url.rsplit_once('/').expect("database name");
            let admin = connect(&format!("{server}/postgres")).await;
            let exists = admin
                .query_one_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
                ))
                .await
                .expect("query")
                .is_some();
            if !exists {
                run(&admin, &format!(r#"CREATE DATABASE "{template}""#)).await;
            }
            admin.close().await.expect("close");
            let store = persistence_store(template_url).await;
            persistence::migrate(&store)
                .await
                .expect("template migrates");
            store.close().await.expect("close");
        })
        .await;
}

async fn persistence_store(url: &str) -> persistence::Store {
    persistence::connect(&persistence::ConnectOptions {
        url: url.to_owned(),
        max_connections: 1,
    })
    .await
    .expect("connect")
}

async fn connect(url: &str) -> DatabaseConnection {
    Database::connect(url).await.expect("connect to PostgreSQL")
}

async fn run(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
        // runtime of its own drops the database (FORCE ends the app's pooled connections).
        let (admin_url, name) = (admin_url.clone(), name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = connect(&admin_url).await;
                run(
                    &admin,
                    &format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
                )
                .await;
                admin.close().await.expect("close");
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop test database {}", self.url);
        }
    }
}

/// Logs from the app under test, once per process, when `TEST_LOG` is set.
fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            api::telemetry::init(api::config::LogFormat::Human);
        }
    });
}
