//! Which proxy, if any, carries a request: settled once, when the client is made (from
//! `transport.proxy`, else the environment), then chosen per request URL.

use url::Url;

use super::is_loopback;
use super::proxy::ProxyUrl;
use super::proxy_env::EnvironmentProxies;

/// Where requests go through. Requests to this machine never take a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySetting {
    /// `transport.proxy: false`: no proxy, whatever the environment says.
    Direct,
    /// `transport.proxy`: this proxy for every request (NO_PROXY belongs to the environment's
    /// proxies and does not apply).
    Url(ProxyUrl),
    /// No `transport.proxy`: the environment as it was when the client was made.
    Environment(EnvironmentProxies),
}

impl ProxySetting {
    /// The proxy for a request to `url`, or None to connect directly. Loopback targets are
    /// always direct, as in Go's net/http: a proxy cannot reach the caller's localhost, and
    /// would see the plain-http request, credentials included, meant for this machine.
    pub fn for_url(&self, url: &Url) -> Option<&ureq::Proxy> {
        if is_loopback(url) {
            return None;
        }
        let proxy = match self {
            ProxySetting::Direct => None,
            ProxySetting::Url(proxy) => Some(proxy),
            ProxySetting::Environment(environment) => environment.for_url(url),
        };
        proxy.map(|proxy| &proxy.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn loopback_targets_never_take_the_proxy() {
        let setting = ProxySetting::Url(ProxyUrl::parse("http://proxy:3128").unwrap());
        for target in [
            "http://localhost:8080",
            "https://LOCALHOST",
            "http://localhost.:8080",
            "http://127.0.0.1:9",
            "http://127.8.9.10",
            "http://[::1]:9",
            "http://[::ffff:127.0.0.1]:9",
        ] {
            assert_eq!(setting.for_url(&url(target)), None, "{target}");
        }
        for target in
            ["https://auth.example.com", "http://10.0.0.1", "http://[2001:db8::1]", "http://localhost.example"]
        {
            assert_eq!(setting.for_url(&url(target)).map(ureq::Proxy::host), Some("proxy"), "{target}");
        }
        assert_eq!(ProxySetting::Direct.for_url(&url("https://auth.example.com")), None);
    }
}
