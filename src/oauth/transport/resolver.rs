//! Host lookups without a thread per call. ureq's resolver looks the host up on every request,
//! even when a kept-alive connection is then reused, and with a deadline it does so on a new
//! thread each time: most of a fetch's CPU on loopback. Here an IP literal is answered inline,
//! and a name is looked up (by ureq, within the deadline) once, then kept for `NAME_TTL`;
//! a failed connect forgets the names, so that the next attempt looks them up again. The table is
//! lock-free, so a forked child never waits on its parent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up name is used: short, as the system's resolver gives no DNS TTL.
const NAME_TTL: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct CachingResolver {
    names: ArcSwap<HashMap<String, Lookup>>,
}

#[derive(Debug, Clone)]
struct Lookup {
    addresses: ResolvedSocketAddrs,
    until: Instant,
}

impl CachingResolver {
    /// Drops every name known (a connect failed: the target's or its proxy's addresses may
    /// have moved); the next request looks them up again.
    pub fn forget_all(&self) {
        if !self.names.load().is_empty() {
            self.names.store(Arc::default());
        }
    }

    fn remember(&self, key: String, addresses: &ResolvedSocketAddrs) {
        let lookup = Lookup { addresses: addresses.clone(), until: Instant::now() + NAME_TTL };
        self.names.rcu(|names| {
            let mut names = HashMap::clone(names);
            names.retain(|_, known| known.until > Instant::now());
            names.insert(key.clone(), lookup.clone());
            names
        });
    }
}

/// The resolver handed to ureq: the transport keeps a second handle to call `forget`.
#[derive(Debug, Clone, Default)]
pub struct SharedResolver(pub Arc<CachingResolver>);

impl Resolver for SharedResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(key) = host_and_port(uri) else {
            return DefaultResolver::default().resolve(uri, config, timeout);
        };
        if let Ok(literal) = key.parse::<SocketAddr>() {
            let mut addresses = self.empty();
            addresses.push(literal);
            return Ok(addresses);
        }
        if let Some(known) = self.0.names.load().get(&key).filter(|known| known.until > Instant::now()) {
            return Ok(known.addresses.clone());
        }
        let addresses = DefaultResolver::default().resolve(uri, config, timeout)?;
        self.0.remember(key, &addresses);
        Ok(addresses)
    }
}

/// "host:port" of `uri`, the port made explicit; None for a URI ureq would refuse anyway.
fn host_and_port(uri: &Uri) -> Option<String> {
    DefaultResolver::host_and_port(uri.scheme()?, uri.authority()?)
}

#[cfg(test)]
mod tests {
    use ureq::Timeout;

    use super::*;

    /// A deadline already reached: ureq's own resolver cannot answer within it.
    fn no_time() -> NextTimeout {
        NextTimeout { after: Duration::ZERO.into(), reason: Timeout::Resolve, per_read: None, per_write: None }
    }

    fn resolve(resolver: &SharedResolver, uri: &str, timeout: NextTimeout) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        resolver.resolve(&uri, &Config::default(), timeout).map(|addresses| addresses.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_answered_inline() {
        let resolver = SharedResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/x", no_time()).unwrap(),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(resolve(&resolver, "https://[::1]/x", no_time()).unwrap(), ["[::1]:443".parse().unwrap()]);
    }

    #[test]
    fn a_name_is_looked_up_once_then_kept_until_forgotten() {
        let resolver = SharedResolver::default();
        let generous = NextTimeout { after: Duration::from_secs(10).into(), ..no_time() };
        let first = resolve(&resolver, "http://localhost:9/", generous).unwrap();
        assert!(first.iter().all(|address| address.ip().is_loopback() && address.port() == 9), "{first:?}");
        assert_eq!(resolve(&resolver, "http://localhost:9/", no_time()).unwrap(), first, "no lookup the second time");
        resolver.0.forget_all();
        assert!(!resolver.0.names.load().contains_key("localhost:9"), "forgotten: the next call looks it up again");
    }
}
