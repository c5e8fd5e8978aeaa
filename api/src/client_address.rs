//! (v1.1) Who the client is: the address the per-address rate limit counts and the audit
//! trail records.
//!
//! It is the socket peer, unless the peer is one of the configured trusted proxies: then it
//! is the right-most `X-Forwarded-For` hop that is not a trusted proxy (each proxy appends
//! the address it received from, so hops left of the first untrusted one are whatever the
//! client chose to claim). With no trusted proxy configured, the header is ignored.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::web;
use ipnet::IpNet;

use crate::state::AppState;

/// The client's address as this request shows it (see the module's doc).
pub fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    Some(behind_proxies(peer, &forwarded, trusted))
}

/// Walks the forwarded hops from the right while the address in hand is a trusted proxy.
/// A hop that is not an address stops the walk: nothing left of it can be trusted.
pub fn behind_proxies(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        if !trusted.iter().any(|net| net.contains(&client)) {
            break;
        }
        match hop.trim().parse() {
            Ok(address) => client = address,
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_hops_count_only_behind_a_trusted_proxy() {
        let proxies = nets(&["10.0.0.0/8"]);
        let chain = ["6.6.6.6", "203.0.113.7", "10.0.0.2"];

        assert_eq!(
            behind_proxies(ip("10.0.0.1"), &chain, &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            behind_proxies(ip("198.51.100.1"), &chain, &proxies),
            ip("198.51.100.1")
        );
        assert_eq!(behind_proxies(ip("10.0.0.1"), &chain, &[]), ip("10.0.0.1"));
        assert_eq!(
            behind_proxies(ip("10.0.0.1"), &["junk", "10.0.0.3"], &proxies),
            ip("10.0.0.3")
        );
        assert_eq!(
            behind_proxies(ip("10.0.0.1"), &["10.0.0.3"], &proxies),
            ip("10.0.0.3")
        );
    }
}
