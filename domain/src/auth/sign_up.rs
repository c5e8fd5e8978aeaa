//! Sign-up: a new company with its subscription, default roles and first Company Admin, who
//! is signed in.

use uuid::Uuid;

use super::{Client, NewSession, SessionLifetime};
use crate::ports::{Clock, Commit, Companies, SecretHasher, Sessions, Store};
use crate::{CompanyCode, CompanyName, DomainError, Email, Name, Password, UniqueField};

/// How many random suffixes to try when the code derived from a name is taken.
const DERIVED_CODE_ATTEMPTS: usize = 5;

/// Everything a new company starts with.
#[derive(Debug, Clone)]
pub struct NewCompany {
    pub name: CompanyName,
    pub code: CompanyCode,
    /// The subscription's seats.
    pub agent_limit: i32,
    pub admin: NewAdmin,
}

/// The company's first user, who gets the Company Admin role.
#[derive(Debug, Clone)]
pub struct NewAdmin {
    pub name: Name,
    pub email: Email,
    /// An argon2id PHC string.
    pub password_hash: String,
}

/// A company just created, as clients see it, and its first admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpCompany {
    pub company_id: Uuid,
    pub name: String,
    pub code: String,
    pub admin_id: Uuid,
}

/// A sign-up's parsed form. Without a code, one is derived from the name.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub company_name: CompanyName,
    pub company_code: Option<CompanyCode>,
    pub admin_name: Name,
    pub admin_email: Email,
    pub password: Password,
    pub agent_limit: i32,
    pub client: Client,
    pub lifetime: SessionLifetime,
}

/// A signed-up company and the session its admin is signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUp {
    pub company: SignedUpCompany,
    pub session_id: Uuid,
}

/// Creates a company (see [`register_company`]) and signs its admin in.
pub async fn sign_up<S: Store + Companies>(
    store: &S,
    hasher: &impl SecretHasher,
    clock: &impl Clock,
    form: SignUp,
) -> Result<SignedUp, DomainError> {
    let admin = NewAdmin {
        name: form.admin_name,
        email: form.admin_email,
        password_hash: hasher.hash_password(&form.password).await?,
    };
    let company = register_company(
        store,
        form.company_name,
        form.company_code,
        form.agent_limit,
        admin,
    )
    .await?;
    let mut tx = store.begin(company.company_id).await?;
    let session = NewSession {
        user_id: company.admin_id,
        device_id: None,
        client: form.client,
        lifetime: form.lifetime,
    };
    let session_id = tx.open_session(&session, clock.now()).await?;
    tx.commit().await?;
    Ok(SignedUp {
        company,
        session_id,
    })
}

/// Creates a company with `code`, or with a code derived from its name: when that one is
/// taken, a few random suffixes are tried before giving up with a conflict on the code.
pub async fn register_company(
    store: &impl Companies,
    name: CompanyName,
    code: Option<CompanyCode>,
    agent_limit: i32,
    admin: NewAdmin,
) -> Result<SignedUpCompany, DomainError> {
    if let Some(code) = code {
        let new = NewCompany {
            name,
            code,
            agent_limit,
            admin,
        };
        return store.create_company(&new).await;
    }
    let mut suffix: Option<String> = None;
    for _ in 0..=DERIVED_CODE_ATTEMPTS {
        let new = NewCompany {
            code: CompanyCode::from_name(&name, suffix.as_deref()),
            name: name.clone(),
            agent_limit,
            admin: admin.clone(),
        };
        match store.create_company(&new).await {
            Err(DomainError::Conflict(UniqueField::CompanyCode)) => suffix = Some(random_suffix()),
            other => return other,
        }
    }
    Err(DomainError::Conflict(UniqueField::CompanyCode))
}

/// Four characters of `a-z0-9` from the random tail of a v7 UUID (its last bytes are random;
/// the leading ones are the clock).
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    Uuid::now_v7().as_bytes()[12..]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}
