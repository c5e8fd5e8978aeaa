//! The HTTP side of a delivery: a signed POST with a 10 s timeout, no redirects followed, no
//! proxy, and every address a host name resolves to checked by the domain's address rule
//! BEFORE connecting, so a name cannot be pointed at the server's own network (SSRF, DNS
//! rebinding included: the checked addresses are the ones connected to).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::webhooks::{Destinations, Outcome, WebhookUrl, address_allowed};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, USER_AGENT};

use crate::security::hmac_sha256;

/// A receiver has this long to answer (the contract's 10 s).
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a receiver's answer that is read (and thrown away): enough to keep its
/// connection for the next delivery, bounded against a receiver that never stops.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The longest error kept in the delivery log.
const MAX_ERROR_CHARS: usize = 300;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Calliyo-Signature";

/// `t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "{t}.{body}"))`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let signed = format!("{timestamp}.{body}");
    let mac = hmac_sha256(secret.as_bytes(), signed.as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac))
}

/// Sends deliveries; one client (and its connection pool) for the whole process.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    destinations: Destinations,
}

impl Sender {
    pub fn new(destinations: Destinations) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver { destinations }))
            .build()?;
        Ok(Self {
            client,
            destinations,
        })
    }

    /// POSTs `body` signed with `secret` at `now`; how it went.
    pub async fn send(&self, url: &str, secret: &str, body: &str, now: DateTime<Utc>) -> Outcome {
        let outcome = |status_code: Option<u16>, error: Option<String>| Outcome {
            status_code,
            error: error.map(|e| e.chars().take(MAX_ERROR_CHARS).collect()),
            at: Utc::now(),
        };
        // The URL's literal address (no name to resolve) is checked again: the rule may be
        // stricter on this server than where the webhook was registered.
        if let Err(refused) = WebhookUrl::parse(url, self.destinations) {
            return outcome(None, Some(format!("the URL is refused: {refused}")));
        }
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("Calliyo-Webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header(SIGNATURE_HEADER, signature(secret, now.timestamp(), body))
            .body(body.to_owned());
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                drain(response).await;
                let error = (!status.is_success())
                    .then(|| format!("the receiver answered {}", status.as_u16()));
                outcome(Some(status.as_u16()), error)
            }
            Err(err) => outcome(None, Some(describe(&err))),
        }
    }
}

/// Reads (at most [`MAX_ANSWER_BYTES`] of) an answer, so its connection can serve again.
async fn drain(mut response: reqwest::Response) {
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > MAX_ANSWER_BYTES {
            break;
        }
    }
}

/// Why a send failed, for the delivery log: without the URL (its query may hold a token).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let mut text = String::from(if err.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    });
    let mut cause = std::error::Error::source(err);
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

/// Resolves a host name and refuses it when ANY of its addresses is not allowed: a name that
/// mixes public and private answers is treated as the attack it likely is.
struct CheckedResolver {
    destinations: Destinations,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.destinations;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(refused) = addresses
                .iter()
                .find(|a| !address_allowed(a.ip(), destinations))
            {
                let message = format!(
                    "{host} resolves to {}, which is not a public address",
                    refused.ip()
                );
                return Err(message.into());
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_timestamp_and_body() {
        // Computed with Python's hmac module.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"id":1}"#),
            "t=1700000000,v1=2f441ba4b3b2d50d28a9ab9d9fd8880376ecd1eb5d0435401553f5d8d0a5dcf8"
        );
    }
}
