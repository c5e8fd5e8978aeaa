//! API keys as integrations hold them: `cly_` and 40 random base62 characters (238 bits).
//! The database keeps only a SHA-256 of the key (there is nothing to brute-force, so a fast
//! hash is enough and every request can find its key by index) and its first characters.

use domain::api_keys::KeyDigest;
use sha2::{Digest, Sha256};

const SCHEME: &str = "cly_";
const RANDOM_CHARS: usize = 40;
/// Characters of the random part shown in listings: enough to tell keys apart, far too few
/// to guess the rest.
const SHOWN_CHARS: usize = 8;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new key, and what the database keeps of it.
pub fn new_api_key() -> (String, KeyDigest) {
    let mut key = String::from(SCHEME);
    while key.len() < SCHEME.len() + RANDOM_CHARS {
        let mut bytes = [0u8; 64];
        rand::fill(&mut bytes);
        // 248 = 4 x 62: dropping the bytes above keeps every character equally likely.
        for byte in bytes
            .into_iter()
            .filter(|b| usize::from(*b) < 4 * BASE62.len())
        {
            if key.len() == SCHEME.len() + RANDOM_CHARS {
                break;
            }
            key.push(char::from(BASE62[usize::from(byte) % BASE62.len()]));
        }
    }
    let digest = KeyDigest {
        prefix: key[..SCHEME.len() + SHOWN_CHARS].to_owned(),
        hash: api_key_hash(&key),
    };
    (key, digest)
}

/// Whether a bearer credential is an API key rather than an access token (a JWT, which
/// never starts this way).
pub fn is_api_key(credential: &str) -> bool {
    credential.starts_with(SCHEME)
}

/// SHA-256 of a key, hex: what a key is found by.
pub fn api_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_scheme_and_forty_base62_characters() {
        let (key, digest) = new_api_key();
        assert!(is_api_key(&key));
        let random = &key[SCHEME.len()..];
        assert_eq!(random.len(), RANDOM_CHARS);
        assert!(random.bytes().all(|b| BASE62.contains(&b)));
        assert!(key.starts_with(&digest.prefix));
        assert_eq!(digest.prefix.len(), SCHEME.len() + SHOWN_CHARS);
        assert_eq!(digest.hash, api_key_hash(&key));
    }

    #[test]
    fn keys_differ_and_their_hashes_do_not_reveal_them() {
        let (first, first_digest) = new_api_key();
        let (second, second_digest) = new_api_key();
        assert_ne!(first, second);
        assert_ne!(first_digest.hash, second_digest.hash);
        assert!(!first_digest.hash.contains(&first[SCHEME.len()..]));
    }

    #[test]
    fn an_access_token_is_not_a_key() {
        assert!(!is_api_key("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
    }
}
