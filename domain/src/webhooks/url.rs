//! Where a webhook may send: the URL rule, and the address rule that the URL's literal host
//! and, at delivery, every address its name resolves to must pass (resolving is I/O, so the
//! sender does it and asks [`address_allowed`]). Together they keep webhooks from reaching the
//! server's own network (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Invalid;

/// The longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Which destinations are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Destinations {
    /// `https` to public addresses only: production.
    #[default]
    PublicHttps,
    /// `http` too, and any address (loopback, private): development and tests
    /// (`CALLIYO_WEBHOOKS_ALLOW_HTTP=true`).
    Anywhere,
}

/// A webhook's URL: absolute, `https` (unless [`Destinations::Anywhere`]), with a host that is
/// not a loopback, private, link-local or otherwise non-public address literal nor a
/// `localhost` name, without credentials or a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str, destinations: Destinations) -> Result<Self, Invalid> {
        let invalid = |message: &str| Invalid::new("invalid", message);
        let too_long = || {
            Invalid::new(
                "too_long",
                format!("at most {MAX_URL_BYTES} characters once normalized"),
            )
        };
        if raw.len() > MAX_URL_BYTES {
            return Err(too_long());
        }
        if raw.trim() != raw || raw.chars().any(char::is_control) {
            return Err(invalid("no spaces or control characters"));
        }
        let url = url::Url::parse(raw).map_err(|_| invalid("not an absolute URL"))?;
        let anywhere = destinations == Destinations::Anywhere;
        match url.scheme() {
            "https" => {}
            "http" if anywhere => {}
            _ => return Err(invalid("must be an https URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "no credentials in the URL: verify the Calliyo-Signature header instead",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("no fragment (#...): it is never sent"));
        }
        let host = match url.host() {
            Some(host) => host,
            None => return Err(invalid("names no host")),
        };
        if !anywhere {
            let ip = match host {
                url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
                url::Host::Domain(name) => {
                    let name = name.trim_end_matches('.');
                    // RFC 6761: these names always mean this machine.
                    if name == "localhost" || name.ends_with(".localhost") {
                        return Err(invalid("must not name this machine"));
                    }
                    None
                }
            };
            if ip.is_some_and(|ip| !address_allowed(ip, destinations)) {
                return Err(invalid(
                    "must not be a loopback, private, link-local or other non-public address",
                ));
            }
        }
        // Normalizing can lengthen it (a `/` path added, non-ASCII escaped or punycoded): what
        // is stored and shown is the normalized form, which is ASCII.
        if url.as_str().len() > MAX_URL_BYTES {
            return Err(too_long());
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host, as the audit trail names a webhook: the path and query may carry a token.
    pub fn host(&self) -> String {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Whether a delivery may connect to `ip`: with [`Destinations::PublicHttps`], only globally
/// routable unicast addresses (an IPv4 address inside an IPv6 one is judged as IPv4).
pub fn address_allowed(ip: IpAddr, destinations: Destinations) -> bool {
    match destinations {
        Destinations::Anywhere => true,
        Destinations::PublicHttps => match ip {
            IpAddr::V4(ip) => public_v4(ip),
            IpAddr::V6(ip) => public_v6(ip),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // "this network", 0.0.0.0 included
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 169 && b == 254) // link-local (cloud metadata services live here)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 168) // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return public_v4(v4);
    }
    let segments = ip.segments();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || segments[0] & 0xff00 == 0xff00 // multicast
        || segments[0] & 0xfe00 == 0xfc00 // unique local
        || segments[0] & 0xffc0 == 0xfe80 // link-local
        || segments[0] & 0xffc0 == 0xfec0 // site-local (deprecated)
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x2001 && segments[1] < 0x0200) // Teredo, benchmarking, ORCHID ...
        || (segments[0] == 0x0100 && segments[1..4] == [0, 0, 0]) // discard-only
        || segments[0] == 0; // IPv4-compatible and other reserved forms under ::/16
    !special
}

/// The IPv4 address an IPv6 one stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`) reach that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        Some(from(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(from(s[1], s[2]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(raw: &str) -> bool {
        let ip: IpAddr = raw.parse().expect("an address");
        address_allowed(ip, Destinations::PublicHttps)
    }

    #[test]
    fn only_public_unicast_addresses_are_allowed() {
        for raw in [
            "0.0.0.0",
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.2.10",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "2002:c0a8:0101::1",
            "::127.0.0.1",
        ] {
            assert!(!public(raw), "{raw} is not public");
        }
        for raw in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(public(raw), "{raw} is public");
        }
        assert!(address_allowed(
            "127.0.0.1".parse().expect("an address"),
            Destinations::Anywhere
        ));
    }

    #[test]
    fn a_production_url_is_https_to_a_public_host() {
        let parse = |raw: &str| WebhookUrl::parse(raw, Destinations::PublicHttps);
        assert_eq!(
            parse("https://hooks.example.com/calliyo?token=x")
                .expect("valid")
                .as_str(),
            "https://hooks.example.com/calliyo?token=x"
        );
        assert!(parse("https://8.8.8.8/hook").is_ok());
        for raw in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com/path",
            "https://127.0.0.1/",
            "https://[::1]:8443/",
            "https://[::ffff:10.0.0.1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://localhost/",
            "https://api.localhost./",
            "https://user:pass@hooks.example.com/",
            "https://hooks.example.com/#frag",
            " https://hooks.example.com/",
            "",
        ] {
            assert!(parse(raw).is_err(), "{raw:?} is refused");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(parse(&long).map_err(|e| e.code), Err("too_long"));
        // Fits as typed, not once normalized: the path `/` is added.
        let labels = format!("{}.", "a".repeat(60)).repeat(33);
        let host = format!("https://{labels}{}", "b".repeat(27));
        assert_eq!(host.len(), MAX_URL_BYTES);
        assert_eq!(parse(&host).map_err(|e| e.code), Err("too_long"));
    }

    #[test]
    fn development_allows_http_and_private_hosts() {
        let url = WebhookUrl::parse("http://127.0.0.1:9000/hook", Destinations::Anywhere)
            .expect("allowed in development");
        assert_eq!(url.host(), "127.0.0.1");
        assert!(WebhookUrl::parse("gopher://127.0.0.1/", Destinations::Anywhere).is_err());
    }
}
