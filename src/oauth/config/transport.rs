//! The `transport` section of the configuration (liboauthcc's own): trust anchors, client
//! certificate, proxy, connect timeout, default deadline, plain-http opt-in and retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{parse_pem, Certificate, ClientCert, PemItem, PrivateKey};

use super::proxy::{ProxyUrl, PROXY_SCHEMES};
use super::proxy_env::EnvironmentProxies;
use super::proxy_setting::ProxySetting;
use super::retry::RetryPolicy;
use crate::oauth::error::Result;
use crate::oauth::json_fields::Fields;

#[derive(Clone)]
pub struct TransportSettings {
    /// Trust anchors replacing the system trust store (from `caFile`).
    pub ca_certificates: Option<Arc<Vec<Certificate<'static>>>>,
    /// Certificate chain and key for mutual TLS (RFC 8705 `tls_client_auth`).
    pub client_cert: Option<ClientCert>,
    /// `transport.proxy`, else the environment (`from_fields` reads it); Direct by default.
    pub proxy: ProxySetting,
    pub connect_timeout: Duration,
    /// The whole-request deadline when neither `http.timeout` nor the call sets one.
    pub default_timeout: Duration,
    pub allow_insecure_http: bool,
    pub retry: RetryPolicy,
    /// The files named, for Debug (never their contents).
    files: Vec<String>,
}

impl Default for TransportSettings {
    fn default() -> Self {
        TransportSettings {
            ca_certificates: None,
            client_cert: None,
            proxy: ProxySetting::Direct,
            connect_timeout: Duration::from_secs(10),
            default_timeout: Duration::from_secs(30),
            allow_insecure_http: false,
            retry: RetryPolicy::default(),
            files: Vec::new(),
        }
    }
}

impl fmt::Debug for TransportSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("files", &self.files)
            .field("proxy", &self.proxy)
            .field("connect_timeout", &self.connect_timeout)
            .field("default_timeout", &self.default_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("retry", &self.retry)
            .finish()
    }
}

impl TransportSettings {
    /// The `transport` section. Without `transport.proxy` the proxy comes from the environment,
    /// read now, as the client is made: an unusable proxy variable fails the client's creation,
    /// not each request, and a later change of the environment does not affect the client.
    pub fn from_fields(fields: Option<Fields>) -> Result<Self> {
        let mut settings = TransportSettings::default();
        let configured_proxy = match fields {
            Some(fields) => settings.read_fields(fields)?,
            None => None,
        };
        settings.proxy = match configured_proxy {
            Some(proxy) => proxy,
            None => ProxySetting::Environment(EnvironmentProxies::read()?),
        };
        Ok(settings)
    }

    /// Reads every field into `self` but `proxy`, which it returns, if set.
    fn read_fields(&mut self, mut fields: Fields) -> Result<Option<ProxySetting>> {
        if let Some(path) = fields.take_string("caFile")? {
            let certificates = read_certificates(&fields, "caFile", &path)?;
            self.ca_certificates = Some(Arc::new(certificates));
            self.files.push(path);
        }
        let cert_path = fields.take_string("clientCertFile")?;
        let key_path = fields.take_string("clientKeyFile")?;
        match (cert_path, key_path) {
            (Some(cert_path), Some(key_path)) => {
                let chain = read_certificates(&fields, "clientCertFile", &cert_path)?;
                let key = read_private_key(&fields, &key_path)?;
                self.client_cert = Some(ClientCert::new_with_certs(&chain, key));
                self.files.extend([cert_path, key_path]);
            }
            (None, None) => {}
            (Some(_), None) => return Err(fields.error("clientKeyFile", "is required with clientCertFile")),
            (None, Some(_)) => return Err(fields.error("clientCertFile", "is required with clientKeyFile")),
        }
        let proxy = match fields.take("proxy") {
            None => None,
            Some(serde_json::Value::Bool(false)) => Some(ProxySetting::Direct),
            Some(serde_json::Value::String(url)) => {
                let why = format!("is not a valid proxy URL ({PROXY_SCHEMES})");
                Some(ProxySetting::Url(ProxyUrl::parse(&url).ok_or_else(|| fields.error("proxy", &why))?))
            }
            Some(_) => return Err(fields.error("proxy", "must be a proxy URL, or false for no proxy")),
        };
        if let Some(ms) = fields.take_millis("connectTimeout")? {
            self.connect_timeout = ms;
        }
        if let Some(ms) = fields.take_millis("defaultTimeout")? {
            self.default_timeout = ms;
        }
        if let Some(allow) = fields.take_bool("allowInsecureHttp")? {
            self.allow_insecure_http = allow;
        }
        if let Some(retry) = fields.take_object("retry")? {
            self.retry = RetryPolicy::from_fields(retry)?;
        }
        fields.finish()?;
        Ok(proxy)
    }
}

/// The longest timeout honoured: a day. Larger ones (up to u64::MAX ms from the configuration
/// or a call, `Duration::MAX` from Rust) mean "no hurry", and would overflow clock arithmetic.
pub const LONGEST_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

fn read_file(fields: &Fields, key: &str, path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| fields.error(key, &format!("cannot be read ({path}: {e})")))
}

fn read_certificates(fields: &Fields, key: &str, path: &str) -> Result<Vec<Certificate<'static>>> {
    let pem = read_file(fields, key, path)?;
    let mut certificates = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(certificate)) => certificates.push(certificate),
            Ok(_) => {}
            Err(_) => return Err(fields.error(key, &format!("is not a valid PEM file ({path})"))),
        }
    }
    if certificates.is_empty() {
        return Err(fields.error(key, &format!("holds no PEM certificate ({path})")));
    }
    Ok(certificates)
}

fn read_private_key(fields: &Fields, path: &str) -> Result<PrivateKey<'static>> {
    let pem = zeroize::Zeroizing::new(read_file(fields, "clientKeyFile", path)?);
    // The error never quotes the file: it is a secret.
    PrivateKey::from_pem(&pem).map_err(|_| fields.error("clientKeyFile", &format!("holds no PEM private key ({path})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_proxy_credentials() {
        let proxy = ProxyUrl::parse("socks5://svc:hunter2@proxy.internal:1080").unwrap();
        let settings = TransportSettings { proxy: ProxySetting::Url(proxy), ..TransportSettings::default() };
        let debug = format!("{settings:?}");
        assert!(debug.contains("socks5://[REDACTED]@proxy.internal:1080"), "{debug}");
        assert!(!debug.contains("hunter2") && !debug.contains("svc"), "{debug}");
    }
}
