//! The endpoints the load generator measures, and the request each one sends.

use std::sync::Arc;

use clap::ValueEnum;
use serde_json::json;
use tests::bench::{self, PASSWORD};

use crate::load::Scenario;
use crate::seed::Seeded;

/// The search the user-listing scenario runs: 11 of 1,000 seeded users match it.
const SEARCH: &str = "per_page=50&q=agent%2012";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Endpoint {
    Healthz,
    Readyz,
    Me,
    /// Authentication alone: the actor extractor's query and a constant answer.
    Permissions,
    UsersSearch,
    UserGet,
    UserPatch,
    LeadCreate,
    Login,
    /// A wrong password for a real account (user `n % users`: a few failures each, no lock).
    LoginWrongKnown,
    /// A wrong password for a made-up email of the same company (a new one each time).
    LoginWrongUnknown,
}

impl Endpoint {
    pub const ALL: [Endpoint; 11] = [
        Endpoint::Healthz,
        Endpoint::Readyz,
        Endpoint::Me,
        Endpoint::Permissions,
        Endpoint::UsersSearch,
        Endpoint::UserGet,
        Endpoint::UserPatch,
        Endpoint::LeadCreate,
        Endpoint::Login,
        Endpoint::LoginWrongKnown,
        Endpoint::LoginWrongUnknown,
    ];

    pub fn scenario(self, base: &str, seeded: &Seeded) -> Scenario {
        let token = Arc::new(seeded.company.access_token.clone());
        let ids = Arc::new(seeded.user_ids.clone());
        let users = ids.len().max(1);
        let get = |label, url: String| Scenario {
            label,
            expected_status: 200,
            refused_body: None,
            request: Arc::new({
                let token = token.clone();
                move |client: &reqwest::Client, _| client.get(&url).bearer_auth(token.as_str())
            }),
        };
        match self {
            Endpoint::Healthz => get("GET /healthz", format!("{base}/healthz")),
            Endpoint::Readyz => get("GET /readyz", format!("{base}/readyz")),
            Endpoint::Me => get("GET /api/v1/me", format!("{base}/api/v1/me")),
            Endpoint::Permissions => get(
                "GET /api/v1/permissions (auth only)",
                format!("{base}/api/v1/permissions"),
            ),
            Endpoint::UsersSearch => get(
                "GET /api/v1/users?per_page=50&q=agent 12",
                format!("{base}/api/v1/users?{SEARCH}"),
            ),
            Endpoint::UserGet => {
                let users_url = format!("{base}/api/v1/users");
                Scenario {
                    label: "GET /api/v1/users/{id}",
                    expected_status: 200,
                    refused_body: None,
                    request: Arc::new(move |client: &reqwest::Client, n| {
                        client
                            .get(format!("{users_url}/{}", ids[n % users]))
                            .bearer_auth(token.as_str())
                    }),
                }
            }
            Endpoint::UserPatch => {
                let users_url = format!("{base}/api/v1/users");
                Scenario {
                    label: "PATCH /api/v1/users/{id}",
                    expected_status: 200,
                    refused_body: None,
                    // A new phone each time: a real change, audited like an admin's edit.
                    request: Arc::new(move |client: &reqwest::Client, n| {
                        client
                            .patch(format!("{users_url}/{}", ids[n % users]))
                            .bearer_auth(token.as_str())
                            .json(&json!({"phone": format!("+91977{:07}", n % 10_000_000)}))
                    }),
                }
            }
            Endpoint::LeadCreate => {
                let url = format!("{base}/api/v1/leads");
                Scenario {
                    label: "POST /api/v1/leads (auto-assigned)",
                    expected_status: 201,
                    refused_body: Some("\"assignee\":null"),
                    request: Arc::new(move |client: &reqwest::Client, n| {
                        client.post(&url).bearer_auth(token.as_str()).json(&json!({
                            "name": format!("Walk-in {n}"),
                            "phone": format!("+91966{:07}", n % 10_000_000),
                            "source": "loadgen",
                        }))
                    }),
                }
            }
            Endpoint::Login => {
                let url = format!("{base}/api/v1/auth/login");
                Scenario {
                    label: "POST /api/v1/auth/login",
                    expected_status: 200,
                    refused_body: None,
                    // Request `n` signs in as user `n % users`: the requests in flight are
                    // on distinct accounts, so none is charged against another's lockout.
                    request: Arc::new(move |client: &reqwest::Client, n| {
                        client.post(&url).json(&json!({
                            "company": bench::COMPANY_CODE,
                            "email": bench::agent_email(n % users),
                            "password": PASSWORD,
                        }))
                    }),
                }
            }
            Endpoint::LoginWrongKnown => wrong_sign_in(
                base,
                "POST /api/v1/auth/login (wrong, real account)",
                move |n| bench::agent_email(n % users),
            ),
            Endpoint::LoginWrongUnknown => wrong_sign_in(
                base,
                "POST /api/v1/auth/login (wrong, made-up email)",
                |n| format!("ghost{n}@bench.example"),
            ),
        }
    }
}

/// Wrong sign-ins, request `n` at the email `email(n)`: the two scenarios differ only in
/// whether it names an account, so their figures show whether the timing tells. Keep runs
/// short enough that no account reaches five failures (about four per seeded user).
fn wrong_sign_in(
    base: &str,
    label: &'static str,
    email: impl Fn(usize) -> String + Send + Sync + 'static,
) -> Scenario {
    let url = format!("{base}/api/v1/auth/login");
    Scenario {
        label,
        expected_status: 401,
        refused_body: None,
        request: Arc::new(move |client: &reqwest::Client, n| {
            client.post(&url).json(&json!({
                "company": bench::COMPANY_CODE,
                "email": email(n),
                "password": "wrong password!",
            }))
        }),
    }
}
