//! The checks' side of HTTP: every status is an answer to look at, not an error; only a
//! request that got no answer at all (the server died, the connection broke) is an error.

use std::future::Future;
use std::time::Duration;

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{self, Company, PASSWORD};

use crate::Error;

/// Long enough for the slowest request a check sends (a 20,000-lead distribution on 2 cores).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A status and its body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The body, if the status is `status`; else an error that shows both.
    pub fn ok(self, status: u16) -> Result<Value, Error> {
        if self.status == status {
            Ok(self.body)
        } else {
            Err(format!("expected {status}, got {}: {}", self.status, self.body).into())
        }
    }
}

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
}

impl Api {
    pub fn new() -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { client })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub async fn send(
        &self,
        base: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Answer, Error> {
        let mut request = self.client.request(method.clone(), format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let what = |err: reqwest::Error| format!("{method} {base}{path}: {err}");
        let response = request.send().await.map_err(what)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(what)?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|err| format!("{method} {path} answered {status} with no JSON: {err}"))?
        };
        Ok(Answer { status, body })
    }

    pub async fn get(&self, base: &str, path: &str, token: &str) -> Result<Answer, Error> {
        self.send(base, Method::GET, path, Some(token), None).await
    }
}

/// Sends every call at once and waits for all of them; their answers in order.
pub async fn race<F>(calls: impl IntoIterator<Item = F>) -> Result<Vec<Answer>, Error>
where
    F: Future<Output = Result<Answer, Error>>,
{
    join_all(calls).await.into_iter().collect()
}

/// The statuses of `answers`, sorted, to compare with the expected mix.
pub fn statuses(answers: &[Answer]) -> Vec<u16> {
    let mut statuses: Vec<u16> = answers.iter().map(|answer| answer.status).collect();
    statuses.sort_unstable();
    statuses
}

/// `count` copies of `status`, for building the expected mix of a race.
pub fn times(status: u16, count: usize) -> Vec<u16> {
    vec![status; count]
}

/// A company signed up through the harness, seen through its admin's token.
pub struct Tenant {
    pub company: Company,
    api: Api,
}

impl Tenant {
    pub async fn sign_up(api: &Api, base: &str, code: &str) -> Result<Self, Error> {
        let company = harness::sign_up(api.client(), base, code, PASSWORD).await?;
        Ok(Self {
            company,
            api: api.clone(),
        })
    }

    pub fn token(&self) -> &str {
        &self.company.access_token
    }

    pub fn code(&self) -> &str {
        &self.company.code
    }

    /// The id of the company's role called `name`.
    pub async fn role_id(&self, base: &str, name: &str) -> Result<String, Error> {
        let roles = self
            .get(base, "/api/v1/roles?per_page=200")
            .await?
            .ok(200)?;
        roles["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|role| role["name"] == name)
            .and_then(|role| role["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: no role {name} in {roles}", self.code()).into())
    }

    /// The body that creates `Agent i` (`agent<i>@<code>.example`) with `role_id`.
    pub fn user_body(&self, i: usize, role_id: &str, lead_cap: i64) -> Value {
        json!({"name": format!("Agent {i}"), "email": format!("agent{i}@{}.example", self.code()),
               "role_id": role_id, "password": PASSWORD, "lead_cap": lead_cap})
    }

    /// Creates `Agent i`; the created user's body.
    pub async fn create_agent(
        &self,
        base: &str,
        i: usize,
        role_id: &str,
        lead_cap: i64,
    ) -> Result<Value, Error> {
        let body = self.user_body(i, role_id, lead_cap);
        self.send(base, Method::POST, "/api/v1/users", body)
            .await?
            .ok(201)
    }

    /// `method path` with `body`, as the admin.
    pub async fn send(
        &self,
        base: &str,
        method: Method,
        path: &str,
        body: Value,
    ) -> Result<Answer, Error> {
        self.api
            .send(base, method, path, Some(self.token()), Some(body))
            .await
    }

    /// `GET path` as the admin.
    pub async fn get(&self, base: &str, path: &str) -> Result<Answer, Error> {
        self.api.get(base, path, self.token()).await
    }

    pub async fn login(&self, base: &str, email: &str, password: &str) -> Result<Answer, Error> {
        let body = json!({"company": self.code(), "email": email, "password": password});
        self.api
            .send(base, Method::POST, "/api/v1/auth/login", None, Some(body))
            .await
    }

    /// The `total` of a listing.
    pub async fn total(&self, base: &str, path: &str) -> Result<i64, Error> {
        let listing = self.get(base, path).await?.ok(200)?;
        listing["total"]
            .as_i64()
            .ok_or_else(|| format!("{path} has no total: {listing}").into())
    }
}
