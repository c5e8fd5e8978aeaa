//! The configuration every server under check starts from. An in-process app gets it as a
//! `Config`; a `calliyo serve` process gets the same `Config` as its environment (see
//! `process`), so both kinds of server are configured in one place.

use api::{Cli, Config};
use clap::Parser;

use super::Error;

/// The token-signing secret of the servers the harness starts (32+ bytes, as required).
pub const JWT_SECRET: &str = "harness secret that is long enough for HS256";

/// The M-PIN pepper of the servers the harness starts (required with PostgreSQL).
pub const PIN_PEPPER: &str = "harness pepper, its own secret, 32+ bytes long";

/// The server's defaults (and whatever the environment sets, as `calliyo` itself would read
/// it), on `database_url`, on a port the kernel picks, with sign-up open, no CORS, no
/// scheduler and no webhook delivery: a check that wants the daily top-up or deliveries turns
/// them on (see [`deliver_webhooks_locally`]), the others would only see them add work they do
/// not measure, and a server under a fuzzer must send nothing to the URLs it makes up.
pub fn config(database_url: &str) -> Result<Config, Error> {
    let mut config = Cli::try_parse_from(["calliyo"])
        .map_err(|err| format!("the environment is not a valid calliyo configuration: {err}"))?
        .config;
    config.database_url = database_url.to_owned();
    config.bind = ([127, 0, 0, 1], 0).into();
    config.jwt_secret = Some(JWT_SECRET.to_owned());
    config.pin_pepper = Some(PIN_PEPPER.to_owned());
    config.signup = true;
    config.cors_origins = Vec::new();
    config.scheduler = false;
    config.webhooks_delivery = false;
    config.webhooks_allow_http = false;
    Ok(config)
}

/// Delivers webhooks, to `http` and loopback URLs too: for checks whose receiver listens on
/// 127.0.0.1. Only such checks create webhooks, so nothing leaves the machine.
pub fn deliver_webhooks_locally(config: &mut Config) {
    config.webhooks_delivery = true;
    config.webhooks_allow_http = true;
}

/// Lifts the per-address sign-in limit: every request of a check comes from 127.0.0.1, so
/// the limit would otherwise measure (or refuse) itself rather than the server.
pub fn unlimited_sign_ins(config: &mut Config) {
    config.signin_rate = 1_000_000;
    config.signin_burst = 1_000_000;
}
