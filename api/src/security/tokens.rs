//! Access tokens (JWT, HS256) and refresh tokens.
//!
//! A refresh token is `base64url(company id | session id | generation | MAC)`, the MAC an
//! HMAC-SHA256 of the first three under a key derived from the server secret. The database
//! keeps only each session's current generation: a dump reveals no usable token, and a token
//! of an older generation (a replay after rotation) is recognised as genuine-but-used, which
//! revokes the session, while a forged one is simply refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::hmac_sha256;
use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

const ISSUER: &str = "calliyo";
const AUDIENCE: &str = "calliyo-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// The company's id.
    pub cid: Uuid,
    /// The session's id.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// A refresh token, once its MAC checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshClaims {
    pub company_id: Uuid,
    pub session_id: Uuid,
    pub generation: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    refresh_key: Vec<u8>,
    pub access_lifetime: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_lifetime: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        // Refresh tokens get their own key, so a MAC made for one purpose is never accepted
        // for the other.
        let refresh_key = hmac_sha256(secret, b"calliyo refresh token v1").to_vec();
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            refresh_key,
            access_lifetime,
        }
    }

    pub fn issue_access(
        &self,
        user_id: Uuid,
        company_id: Uuid,
        session_id: Uuid,
    ) -> Result<String, ApiError> {
        let now = Utc::now();
        let claims = Claims {
            sub: user_id,
            cid: company_id,
            sid: session_id,
            iat: now.timestamp(),
            exp: (now + self.access_lifetime).timestamp(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    pub fn verify_access(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthenticated)
    }

    pub fn issue_refresh(&self, claims: RefreshClaims) -> String {
        let body = refresh_body(claims);
        let mut token = body.to_vec();
        token.extend_from_slice(&hmac_sha256(&self.refresh_key, &body));
        URL_SAFE_NO_PAD.encode(token)
    }

    /// `None` for anything that is not a refresh token this server issued.
    pub fn verify_refresh(&self, token: &str) -> Option<RefreshClaims> {
        let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if raw.len() != BODY_LEN + 32 {
            return None;
        }
        let (body, tag) = raw.split_at(BODY_LEN);
        let mut check = HmacSha256::new_from_slice(&self.refresh_key).ok()?;
        check.update(body);
        check.verify_slice(tag).ok()?;
        let company_id = Uuid::from_slice(&body[..16]).ok()?;
        let session_id = Uuid::from_slice(&body[16..32]).ok()?;
        let generation = i64::from_be_bytes(body[32..].try_into().ok()?);
        Some(RefreshClaims {
            company_id,
            session_id,
            generation,
        })
    }
}

const BODY_LEN: usize = 16 + 16 + 8;

/// A new device token (256 random bits, base64url) and the hash the database keeps of it.
pub fn new_device_token() -> (String, String) {
    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    let token = URL_SAFE_NO_PAD.encode(secret);
    let hash = device_token_hash(&token);
    (token, hash)
}

/// SHA-256 of a device token, hex. A device token is 256 random bits, so a fast hash is
/// enough: there is nothing to brute-force.
pub fn device_token_hash(token: &str) -> String {
    use sha2::Digest;
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn refresh_body(claims: RefreshClaims) -> [u8; BODY_LEN] {
    let mut body = [0u8; BODY_LEN];
    body[..16].copy_from_slice(claims.company_id.as_bytes());
    body[16..32].copy_from_slice(claims.session_id.as_bytes());
    body[32..].copy_from_slice(&claims.generation.to_be_bytes());
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &[u8]) -> TokenKeys {
        TokenKeys::new(secret, Duration::minutes(15))
    }

    #[test]
    fn access_tokens_round_trip_and_reject_other_keys() {
        let (user, company, session) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let token = keys(b"one secret of enough length here!")
            .issue_access(user, company, session)
            .expect("issue");
        let claims = keys(b"one secret of enough length here!")
            .verify_access(&token)
            .expect("valid");
        assert_eq!(
            (claims.sub, claims.cid, claims.sid),
            (user, company, session)
        );
        assert!(
            keys(b"another secret of enough length!")
                .verify_access(&token)
                .is_err()
        );
    }

    #[test]
    fn expired_access_tokens_are_refused() {
        let keys = TokenKeys::new(b"one secret of enough length here!", Duration::seconds(-1));
        let token = keys
            .issue_access(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7())
            .expect("issue");
        assert!(keys.verify_access(&token).is_err());
    }

    #[test]
    fn refresh_tokens_round_trip_and_refuse_tampering() {
        let keys = keys(b"one secret of enough length here!");
        let claims = RefreshClaims {
            company_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
            generation: 7,
        };
        let token = keys.issue_refresh(claims);
        assert_eq!(keys.verify_refresh(&token), Some(claims));
        let mut raw = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        raw[35] ^= 1;
        assert_eq!(keys.verify_refresh(&URL_SAFE_NO_PAD.encode(raw)), None);
        assert_eq!(keys.verify_refresh("not a token"), None);
    }
}
