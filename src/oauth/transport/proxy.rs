//! Which proxy, if any, carries a request: settled once, when the client is made (from
//! `transport.proxy`, else the environment), then chosen per request URL.

use std::fmt;

use url::Url;

use super::proxy_env::EnvironmentProxies;
use crate::oauth::config::is_loopback;

/// The schemes a proxy URL may have, for error messages.
pub const PROXY_SCHEMES: &str = "http://, https://, socks4://, socks4a://, socks5:// or socks5h://";

/// A proxy URL ureq can use: an HTTP CONNECT proxy (`http://`, `https://`) or SOCKS
/// (`socks4://` and `socks5://` resolve the target's name here, `socks4a://` and `socks5h://`
/// at the proxy). Debug hides the user and password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(ureq::Proxy);

impl ProxyUrl {
    /// None when `text` is not a URL, or its scheme is not a proxy ureq speaks.
    pub fn parse(text: &str) -> Option<Self> {
        ureq::Proxy::new(text).ok().map(ProxyUrl)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = &self.0;
        let scheme = proxy.uri().scheme_str().unwrap_or("http");
        let credentials = if proxy.username().is_some() || proxy.password().is_some() { "[REDACTED]@" } else { "" };
        write!(f, "{scheme}://{credentials}{}:{}", proxy.host(), proxy.port())
    }
}

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
    fn every_socks_flavour_and_http_connect_are_proxies() {
        for text in [
            "http://proxy:3128",
            "https://proxy:3129",
            "socks4://proxy",
            "socks4a://proxy",
            "socks5://proxy",
            "socks5h://proxy",
            "proxy:3128",
        ] {
            assert!(ProxyUrl::parse(text).is_some(), "{text}");
        }
        for text in ["ftp://proxy", "::not a url::", ""] {
            assert!(ProxyUrl::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn debug_hides_the_user_and_password() {
        let proxy = ProxyUrl::parse("socks5://svc:hunter2@proxy.internal:1080").unwrap();
        assert_eq!(format!("{proxy:?}"), "socks5://[REDACTED]@proxy.internal:1080");
        let proxy = ProxyUrl::parse("http://only-a-token@proxy.internal").unwrap();
        assert_eq!(format!("{proxy:?}"), "http://[REDACTED]@proxy.internal:80");
        let proxy = ProxyUrl::parse("socks5h://[::1]:9050").unwrap();
        assert_eq!(format!("{proxy:?}"), "socks5h://[::1]:9050");
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
