//! A company signed up over HTTP, as a client would: `POST /api/v1/signup`.

use serde_json::{Value, json};
use uuid::Uuid;

use super::Error;

/// The password the harness gives every admin and user it creates.
pub const PASSWORD: &str = "correct horse battery";

/// A signed-up company as its sign-up answered, its admin (`admin@<code>.example`) signed in.
#[derive(Debug, Clone)]
pub struct Company {
    pub code: String,
    pub company_id: Uuid,
    pub admin_id: Uuid,
    pub admin_email: String,
    pub admin_password: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// Signs up company `code` on the server at `base`; its admin, Asha Admin, has `password`.
pub async fn sign_up(
    client: &reqwest::Client,
    base: &str,
    code: &str,
    password: &str,
) -> Result<Company, Error> {
    let admin_email = format!("admin@{code}.example");
    let response = client
        .post(format!("{base}/api/v1/signup"))
        .json(
            &json!({"company_name": format!("Company {code}"), "company_code": code,
                      "admin": {"name": "Asha Admin", "email": admin_email, "password": password}}),
        )
        .send()
        .await
        .map_err(|err| format!("signing up {code}: {err}"))?;
    let status = response.status();
    if status.as_u16() != 201 {
        let body = response.text().await.unwrap_or_default();
        return Err(format!("signing up {code} answered {status}: {body}").into());
    }
    let body: Value = response.json().await?;
    let text = |value: &Value, what: &str| -> Result<String, Error> {
        Ok(value
            .as_str()
            .ok_or_else(|| format!("the sign-up of {code} has no {what}: {body}"))?
            .to_owned())
    };
    Ok(Company {
        code: code.to_owned(),
        company_id: text(&body["company"]["id"], "company id")?.parse()?,
        admin_id: text(&body["user"]["id"], "user id")?.parse()?,
        admin_email,
        admin_password: password.to_owned(),
        access_token: text(&body["tokens"]["access_token"], "access token")?,
        refresh_token: text(&body["tokens"]["refresh_token"], "refresh token")?,
    })
}

/// The id of the company's role called `name`, as `GET /api/v1/roles` lists it to the holder
/// of `token`.
pub async fn role_id(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
) -> Result<String, Error> {
    let roles: Value = client
        .get(format!("{base}/api/v1/roles"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let role = roles["items"]
        .as_array()
        .and_then(|items| items.iter().find(|role| role["name"] == name))
        .ok_or_else(|| format!("the company has no role {name}: {roles}"))?;
    Ok(role["id"]
        .as_str()
        .ok_or("a role without an id")?
        .to_owned())
}
