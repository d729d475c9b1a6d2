//! Proxies from the environment, read once, when the client is made. For an `https://` URL the
//! first set (and not empty) of HTTPS_PROXY, https_proxy, ALL_PROXY, all_proxy; for an `http://`
//! URL of HTTP_PROXY, http_proxy, ALL_PROXY, all_proxy: the scheme's own variable first, upper
//! case first. Under CGI (`REQUEST_METHOD` set) HTTP_PROXY is skipped, as Go's net/http does: a
//! web server puts a request's `Proxy:` header there ("httpoxy"), which would hand the client's
//! credentials to whoever sent it. NO_PROXY (else no_proxy) lists the hosts that go
//! direct. A variable that would be used but cannot be (not a URL, a scheme that is no proxy,
//! not UTF-8) is a configuration error: going direct instead would bypass a mandated egress
//! proxy without a word.

use std::env::VarError;

use url::Url;

use super::no_proxy::NoProxy;
use super::proxy::{ProxyUrl, PROXY_SCHEMES};
use crate::oauth::error::{Error, Result};

const FOR_HTTPS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
const FOR_HTTP: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];
const NO_PROXY: [&str; 2] = ["NO_PROXY", "no_proxy"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentProxies {
    https: Option<ProxyUrl>,
    http: Option<ProxyUrl>,
    no_proxy: NoProxy,
}

impl EnvironmentProxies {
    pub fn read() -> Result<Self> {
        Self::read_from(|name| std::env::var(name))
    }

    /// Reads the variables through `variable` (`std::env::var`, or a test's environment).
    fn read_from(variable: impl Fn(&str) -> std::result::Result<String, VarError>) -> Result<Self> {
        let first_set = |names: &[&'static str]| -> Result<Option<(&'static str, String)>> {
            for &name in names {
                match variable(name) {
                    Ok(value) if !value.is_empty() => return Ok(Some((name, value))),
                    Ok(_) | Err(VarError::NotPresent) => {}
                    Err(VarError::NotUnicode(_)) => return Err(unusable(name)),
                }
            }
            Ok(None)
        };
        let under_cgi = variable("REQUEST_METHOD").is_ok_and(|method| !method.is_empty());
        let for_http: Vec<&'static str> =
            FOR_HTTP.into_iter().filter(|name| !(under_cgi && *name == "HTTP_PROXY")).collect();
        let proxy = |names: &[&'static str]| -> Result<Option<ProxyUrl>> {
            match first_set(names)? {
                None => Ok(None),
                Some((name, value)) => ProxyUrl::parse(&value).map(Some).ok_or_else(|| unusable(name)),
            }
        };
        Ok(EnvironmentProxies {
            https: proxy(&FOR_HTTPS)?,
            http: proxy(&for_http)?,
            no_proxy: first_set(&NO_PROXY)?.map(|(_, list)| NoProxy::parse(&list)).unwrap_or_default(),
        })
    }

    /// The proxy for `url`'s scheme, unless NO_PROXY names its host.
    pub fn for_url(&self, url: &Url) -> Option<&ProxyUrl> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        };
        proxy.filter(|_| !self.no_proxy.matches(url))
    }
}

/// The error for a variable that cannot be used; never its value, which may hold a password.
fn unusable(name: &str) -> Error {
    Error::invalid_config(format!(
        "the environment variable {name} is not a proxy URL ({PROXY_SCHEMES}); fix or unset it, \
         or set transport.proxy (false ignores the environment)"
    ))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::oauth::error::ErrorKind;

    fn read(environment: &[(&str, &str)]) -> Result<EnvironmentProxies> {
        EnvironmentProxies::read_from(|name| {
            environment
                .iter()
                .find(|(set, _)| *set == name)
                .map(|(_, value)| value.to_string())
                .ok_or(VarError::NotPresent)
        })
    }

    /// The proxy chosen for `target`, as Debug shows it.
    fn route(proxies: &EnvironmentProxies, target: &str) -> Option<String> {
        proxies.for_url(&Url::parse(target).unwrap()).map(|proxy| format!("{proxy:?}"))
    }

    #[test]
    fn each_scheme_has_its_variable_then_all_proxy() {
        let proxies = read(&[
            ("HTTPS_PROXY", "http://secure:1"),
            ("https_proxy", "http://secure-lower:1"),
            ("ALL_PROXY", "socks5h://all:1080"),
            ("all_proxy", "socks5h://all-lower:1080"),
        ])
        .unwrap();
        assert_eq!(route(&proxies, "https://auth.example.com").as_deref(), Some("http://secure:1"));
        assert_eq!(route(&proxies, "http://auth.example.com").as_deref(), Some("socks5h://all:1080"));

        let proxies = read(&[("http_proxy", "http://plain:1"), ("all_proxy", "socks5://all-lower:1080")]).unwrap();
        assert_eq!(route(&proxies, "http://auth.example.com").as_deref(), Some("http://plain:1"));
        assert_eq!(route(&proxies, "https://auth.example.com").as_deref(), Some("socks5://all-lower:1080"));

        let proxies = read(&[("HTTP_PROXY", "http://plain:1"), ("HTTPS_PROXY", "")]).unwrap();
        assert_eq!(route(&proxies, "https://auth.example.com"), None, "empty is unset");
        assert_eq!(read(&[]).unwrap(), EnvironmentProxies::default());
    }

    #[test]
    fn no_proxy_sends_its_hosts_direct() {
        let proxies = read(&[("ALL_PROXY", "socks5://all:1080"), ("no_proxy", ".internal, 10.0.0.0/8")]).unwrap();
        assert_eq!(route(&proxies, "https://auth.internal"), None);
        assert_eq!(route(&proxies, "https://10.1.2.3"), None);
        assert_eq!(route(&proxies, "https://auth.example.com").as_deref(), Some("socks5://all:1080"));
        let proxies =
            read(&[("ALL_PROXY", "socks5://all:1080"), ("NO_PROXY", "example.com"), ("no_proxy", "*")]).unwrap();
        assert_eq!(route(&proxies, "https://other.example"), Some("socks5://all:1080".into()), "NO_PROXY first");
    }

    #[test]
    fn an_unusable_variable_is_an_error_that_names_it_without_its_value() {
        for (name, value) in [
            ("ALL_PROXY", "ftp://svc:hunter2@proxy:21"),
            ("https_proxy", "::svc:hunter2 not a url::"),
            ("HTTP_PROXY", "gopher://svc:hunter2@proxy"),
        ] {
            let error = read(&[(name, value)]).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidConfig);
            assert!(error.message().starts_with(&format!("the environment variable {name} is not")), "{error:?}");
            assert!(!error.message().contains("hunter2"), "{error:?}");
        }
        let error = EnvironmentProxies::read_from(|name| match name {
            "all_proxy" => Err(VarError::NotUnicode(OsString::from("x"))),
            _ => Err(VarError::NotPresent),
        })
        .unwrap_err();
        assert!(error.message().contains("all_proxy"), "{error:?}");
    }

    #[test]
    fn http_proxy_is_not_read_under_cgi() {
        let attacker = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://attacker:1")];
        assert_eq!(route(&read(&attacker).unwrap(), "http://auth.example.com"), None);
        let chosen = read(&[("REQUEST_METHOD", "POST"), ("HTTP_PROXY", "http://x:1"), ("http_proxy", "http://ops:1")]);
        assert_eq!(route(&chosen.unwrap(), "http://auth.example.com").as_deref(), Some("http://ops:1"));
    }

    #[test]
    fn a_shadowed_variable_is_never_read() {
        let proxies =
            read(&[("HTTPS_PROXY", "http://secure:1"), ("HTTP_PROXY", "http://plain:1"), ("ALL_PROXY", "ftp://x")]);
        assert!(proxies.is_ok(), "ALL_PROXY is used for neither scheme");
    }
}
