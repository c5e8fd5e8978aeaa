//! (v1.1) Who the client is: the address the per-address rate limit counts and the audit
//! trail records.
//!
//! It is the socket peer, unless the peer is one of the configured trusted proxies: then it
//! is the right-most `X-Forwarded-For` hop that is not a trusted proxy (each proxy appends
//! the address it received from, so hops left of the first untrusted one are whatever the
//! client chose to claim). With no trusted proxy configured, the header is ignored.

use std::net::{IpAddr, Ipv6Addr};

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

/// The rate limit's key for an address: an IPv6 client counts as its whole /64 (one host is
/// routinely given a /64 and may rotate through it at will); an IPv4 client as itself.
pub fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
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

    #[test]
    fn an_ipv6_client_is_bucketed_by_its_64() {
        assert_eq!(
            bucket(ip("2001:db8:1:2:aaaa::1")),
            bucket(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(bucket(ip("2001:db8:1:2::1")), bucket(ip("2001:db8:1:3::1")));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
