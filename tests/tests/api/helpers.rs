//! `spawn_app()`: the real application on port 0 against a fresh database, migrated by the
//! real migrations, both from the one harness (`tests::harness`). A temp SQLite file by
//! default; with `TEST_DATABASE_URL` set, a fresh PostgreSQL database per test, cloned from a
//! template migrated once per run and dropped when the test ends.

use std::sync::OnceLock;

use api::Config;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tests::harness::{self, Database};

pub use tests::harness::PASSWORD;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    database: Database,
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
    let database = test_database().await;
    let address = start(&database.url, adjust).await;
    TestApp {
        address,
        client: reqwest::Client::new(),
        database_url: database.url.clone(),
        database,
    }
}

/// A fresh database: from the template named by `TEST_DATABASE_URL`, else SQLite.
async fn test_database() -> Database {
    let database = match std::env::var("TEST_DATABASE_URL") {
        Ok(template_url) if !template_url.is_empty() => {
            Database::postgres_from_template(&template_url).await
        }
        _ => Database::sqlite(),
    };
    database.unwrap_or_else(|err| panic!("a fresh test database: {err}"))
}

/// Starts an app on `database_url` with the configuration every test app starts from,
/// adjusted by `adjust`; its base address.
async fn start(database_url: &str, adjust: impl FnOnce(&mut Config)) -> String {
    let mut config = harness::config(database_url).expect("the harness's configuration");
    config.default_agent_limit = 5;
    config.db_max_connections = 5;
    // The webhook tests' receivers listen on 127.0.0.1; no other test creates a webhook.
    harness::config::deliver_webhooks_locally(&mut config);
    adjust(&mut config);
    harness::start_in_process(&config)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
}

impl TestApp {
    /// A second server on the same database, with its own pool: another replica. Returns
    /// its base address; send requests there with [`TestApp::request_to`].
    pub async fn replica(&self) -> String {
        start(&self.database_url, |_| {}).await
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
        let company = harness::sign_up(&self.client, &self.address, code, PASSWORD)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        Signup {
            company_id: company.company_id.to_string(),
            user_id: company.admin_id.to_string(),
            email: company.admin_email,
            access_token: company.access_token,
            refresh_token: company.refresh_token,
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
        harness::role_id(&self.client, &self.address, token, name)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
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

    /// Checks that every user's maintained `leads_held` equals a recount of their open
    /// leads: what a race test calls last.
    pub async fn assert_no_held_drift(&self) {
        let drift = self
            .database
            .held_drift()
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(drift, 0, "users whose leads_held differs from a recount");
    }

    /// Runs one statement on the app's database, for arranging states no endpoint makes yet.
    pub async fn execute(&self, sql: &str) {
        self.database
            .execute(sql)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
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

/// Logs from the app under test, once per process, when `TEST_LOG` is set.
fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            api::telemetry::init(api::config::LogFormat::Human);
        }
    });
}
