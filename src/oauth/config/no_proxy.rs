//! `NO_PROXY`: the hosts reached directly although the environment names a proxy, read as Go's
//! net/http reads it. Entries are separated by commas: `*` matches every host; `example.com`
//! matches it and its subdomains; `.example.com` and `*.example.com` its subdomains only; an IP
//! address matches itself and a CIDR block (`10.0.0.0/8`) the addresses in it (an IP entry
//! never matches a host name: nothing is resolved to decide); `host:port` matches only that
//! port. ureq's own NO_PROXY list matches whole names only and cannot be built from a string,
//! hence this one.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy(Vec<Entry>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    hosts: Hosts,
    /// Only this port, when the entry names one.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Hosts {
    Every,
    /// Names ending in `suffix` (which starts with a dot), and with `itself`, the name without it.
    Domain {
        suffix: String,
        itself: bool,
    },
    /// The addresses whose first `prefix_bits` bits are those of `network`.
    Network {
        network: IpAddr,
        prefix_bits: u8,
    },
}

impl NoProxy {
    /// Reads the variable's value; entries that are not names, addresses or blocks are skipped.
    pub fn parse(list: &str) -> Self {
        NoProxy(list.split(',').filter_map(Entry::parse).collect())
    }

    /// Whether a request to `url` goes direct.
    pub fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host() else { return false };
        let port = url.port_or_known_default();
        self.0.iter().any(|entry| entry.port.is_none_or(|only| Some(only) == port) && entry.hosts.contain(&host))
    }
}

impl Entry {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if text == "*" {
            return Some(Entry { hosts: Hosts::Every, port: None });
        }
        if let Some((address, bits)) = text.split_once('/') {
            let network: IpAddr = address.parse().ok()?;
            let prefix_bits = bits.parse().ok().filter(|bits| *bits <= full_prefix(network))?;
            return Some(Entry { hosts: Hosts::Network { network, prefix_bits }, port: None });
        }
        if let Ok(address) = text.parse::<IpAddr>() {
            return Some(Entry { hosts: Hosts::single(address), port: None });
        }
        if let Ok(socket) = text.parse::<SocketAddr>() {
            return Some(Entry { hosts: Hosts::single(socket.ip()), port: Some(socket.port()) });
        }
        let (name, port) = match text.rsplit_once(':') {
            Some((name, port)) => (name, Some(port.parse().ok()?)),
            None => (text, None),
        };
        let name = name.to_ascii_lowercase();
        let name = name.strip_prefix('*').filter(|rest| rest.starts_with('.')).unwrap_or(&name);
        let hosts = match name.strip_prefix('.') {
            Some(_) => Hosts::Domain { suffix: name.to_owned(), itself: false },
            None => Hosts::Domain { suffix: format!(".{name}"), itself: true },
        };
        Some(Entry { hosts, port })
    }
}

impl Hosts {
    fn single(address: IpAddr) -> Self {
        Hosts::Network { network: address, prefix_bits: full_prefix(address) }
    }

    fn contain(&self, host: &Host<&str>) -> bool {
        match (self, host) {
            (Hosts::Every, _) => true,
            (Hosts::Domain { suffix, itself }, Host::Domain(name)) => {
                let name = name.to_ascii_lowercase();
                name.ends_with(suffix.as_str()) || (*itself && name == suffix[1..])
            }
            (Hosts::Network { network, prefix_bits }, Host::Ipv4(address)) => {
                in_network(*network, *prefix_bits, IpAddr::V4(*address))
            }
            (Hosts::Network { network, prefix_bits }, Host::Ipv6(address)) => {
                in_network(*network, *prefix_bits, IpAddr::V6(*address))
            }
            _ => false,
        }
    }
}

fn full_prefix(address: IpAddr) -> u8 {
    if address.is_ipv4() {
        32
    } else {
        128
    }
}

fn in_network(network: IpAddr, prefix_bits: u8, address: IpAddr) -> bool {
    let leading = |bits: u128, width: u8| bits.checked_shr(u32::from(width - prefix_bits)).unwrap_or(0);
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            leading(u32::from(network).into(), 32) == leading(u32::from(address).into(), 32)
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            leading(u128::from(network), 128) == leading(u128::from(address), 128)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(list: &str, url: &str) -> bool {
        NoProxy::parse(list).matches(&Url::parse(url).unwrap())
    }

    #[test]
    fn names_match_themselves_and_their_subdomains() {
        assert!(direct("example.com", "https://example.com/token"));
        assert!(direct("example.com", "https://auth.EXAMPLE.com"));
        assert!(direct(" other.org , Example.COM ", "https://a.b.example.com"));
        assert!(!direct("example.com", "https://notexample.com"));
        assert!(!direct("example.com", "https://example.com.evil.net"));
    }

    #[test]
    fn a_leading_dot_or_star_dot_matches_subdomains_only() {
        for list in [".example.com", "*.example.com"] {
            assert!(direct(list, "https://auth.example.com"), "{list}");
            assert!(!direct(list, "https://example.com"), "{list}");
        }
    }

    #[test]
    fn a_star_matches_everything_and_an_empty_list_nothing() {
        assert!(direct("*", "https://anything.example"));
        assert!(direct("*", "https://10.1.2.3"));
        assert!(!direct("", "https://anything.example"));
        assert!(!direct(" , ", "https://anything.example"));
    }

    #[test]
    fn addresses_and_blocks() {
        assert!(direct("10.1.2.3", "https://10.1.2.3"));
        assert!(!direct("10.1.2.3", "https://10.1.2.4"));
        assert!(direct("10.0.0.0/8", "https://10.200.0.1:8443"));
        assert!(!direct("10.0.0.0/8", "https://11.0.0.1"));
        assert!(direct("0.0.0.0/0", "https://192.0.2.1"));
        assert!(direct("fd00::/8", "https://[fd12::1]"));
        assert!(!direct("fd00::/8", "https://[fe80::1]"));
        assert!(direct("2001:db8::1", "https://[2001:db8::1]"));
        assert!(!direct("10.0.0.0/8", "https://[::ffff:10.0.0.1]"), "families never mix");
        assert!(!direct("10.0.0.0/33", "https://10.0.0.1"), "not a block");
        assert!(!direct("10.1.2.3", "https://host-10.1.2.3.example"), "an address is not a name");
    }

    #[test]
    fn a_port_restricts_the_entry() {
        assert!(direct("example.com:8443", "https://example.com:8443"));
        assert!(!direct("example.com:8443", "https://example.com"));
        assert!(direct("example.com:443", "https://example.com"), "the scheme's default port");
        assert!(direct("10.1.2.3:80", "http://10.1.2.3"));
        assert!(direct("[2001:db8::1]:443", "https://[2001:db8::1]"));
        assert!(!direct("[2001:db8::1]:443", "https://[2001:db8::1]:444"));
        assert!(!direct("example.com:https", "https://example.com"), "not a port: skipped");
    }
}
