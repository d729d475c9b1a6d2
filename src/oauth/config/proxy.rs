//! A proxy URL: where a proxied request goes, and how it is shown.

use std::fmt;

/// The schemes a proxy URL may have, for error messages.
pub const PROXY_SCHEMES: &str = "http://, https://, socks4://, socks4a://, socks5:// or socks5h://";

/// A proxy URL ureq can use: an HTTP CONNECT proxy (`http://`, `https://`) or SOCKS
/// (`socks4://` and `socks5://` resolve the target's name here, `socks4a://` and `socks5h://`
/// at the proxy). Debug hides the user and password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(pub(super) ureq::Proxy);

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
