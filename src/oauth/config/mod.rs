//! The configuration object of simple-oauth2's `ClientCredentials`, parsed and validated once.

use std::time::Duration;

use serde_json::Value;
use url::Url;

mod no_proxy;
mod proxy;
mod proxy_env;
mod proxy_setting;
mod retry;
mod transport;

pub use proxy::ProxyUrl;
pub use proxy_env::EnvironmentProxies;
pub use proxy_setting::ProxySetting;
pub use retry::RetryPolicy;
pub use transport::{TransportSettings, LONGEST_TIMEOUT};

use super::error::{Error, ErrorKind, Result};
use super::json_fields::Fields;
use super::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsEncoding {
    /// Form-urlencode id and secret before Basic encoding (RFC 6749 §2.3.1).
    Strict,
    /// Use id and secret as they are.
    Loose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Form,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationMethod {
    Header,
    Body,
}

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub id: String,
    pub secret: Secret,
    pub id_param_name: String,
    pub secret_param_name: String,
    /// The Basic authorization value, made on first use (the config never changes).
    pub(crate) basic_authorization: std::sync::OnceLock<Secret>,
}

/// The three endpoints, already resolved against tokenHost.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub token_url: Url,
    pub refresh_url: Url,
    pub revoke_url: Url,
}

/// Headers and timeout: the `http` section of the config, or the per-call http options.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HttpOptions {
    pub headers: Vec<(String, String)>,
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for HttpOptions {
    // Header values may carry credentials (an API key, a bearer token): show the names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpOptions").field("headers", &names).field("timeout", &self.timeout).finish()
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub scope_separator: String,
    pub credentials_encoding: CredentialsEncoding,
    pub body_format: BodyFormat,
    pub authorization_method: AuthorizationMethod,
}

/// The token cache (`cache` section; liboauthcc's own, not simple-oauth2's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// A cached token is renewed this long before it expires.
    pub expiry_window: Duration,
    /// How long a token without an expiry is reused.
    pub max_age: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings { expiry_window: Duration::from_secs(60), max_age: Duration::from_secs(300) }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub client: ClientSettings,
    pub auth: Endpoints,
    pub http: HttpOptions,
    pub options: Options,
    pub cache: CacheSettings,
    pub transport: TransportSettings,
}

impl Config {
    pub fn from_json_str(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_config(format!("configuration is not valid JSON: {e}")))?;
        Self::from_json(&value)
    }

    pub fn from_json(value: &Value) -> Result<Self> {
        let mut root = Fields::new(value, "", ErrorKind::InvalidConfig)?;
        let client = parse_client(root.require_object("client")?)?;
        let auth = parse_auth(root.require_object("auth")?)?;
        let http = match root.take_object("http")? {
            Some(mut http) => {
                if http.take("baseUrl").is_some() {
                    return Err(http.error(
                        "baseUrl",
                        "is not supported: the endpoints come from auth.tokenHost and the auth paths",
                    ));
                }
                HttpOptions::from_fields(http)?
            }
            None => HttpOptions::default(),
        };
        let options = parse_options(root.take_object("options")?)?;
        let cache = parse_cache(root.take_object("cache")?)?;
        let transport = TransportSettings::from_fields(root.take_object("transport")?)?;
        if !transport.allow_insecure_http {
            check_tls_required(&auth)?;
        }
        root.finish()?;
        Ok(Config { client, auth, http, options, cache, transport })
    }
}

impl HttpOptions {
    /// Per-call options (`headers`, `timeout`); errors are argument errors naming `httpOptions.*`.
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_fields(Fields::new(value, "httpOptions", ErrorKind::InvalidArgument)?)
    }

    fn from_fields(mut fields: Fields) -> Result<Self> {
        let mut headers = Vec::new();
        if let Some(header_fields) = fields.take_object("headers")? {
            let path = fields.path_of("headers");
            for (name, value) in header_fields.into_entries() {
                let at = format!("{path}.{name}");
                let kind = fields.kind();
                let Value::String(value) = value else {
                    return Err(Error::new(kind, format!("{at} must be a string")));
                };
                if !is_header_name(&name) {
                    return Err(Error::new(kind, format!("{at}: not a valid HTTP header name")));
                }
                if is_framing_header(&name) {
                    return Err(Error::new(
                        kind,
                        format!("{at}: the library frames each request itself; {name} cannot be set"),
                    ));
                }
                if !is_header_value(&value) {
                    return Err(Error::new(kind, format!("{at}: header values may not contain control characters")));
                }
                headers.push((name, value));
            }
        }
        let timeout = fields.take_millis("timeout")?;
        fields.finish()?;
        Ok(HttpOptions { headers, timeout })
    }
}

fn parse_client(mut fields: Fields) -> Result<ClientSettings> {
    let id = fields.require_string("id")?;
    check_vschar(&fields, "id", &id)?;
    let secret = fields.take_string("secret")?.unwrap_or_default();
    check_vschar(&fields, "secret", &secret)?;
    let id_param_name = take_param_name(&mut fields, "idParamName", "client_id")?;
    let secret_param_name = take_param_name(&mut fields, "secretParamName", "client_secret")?;
    fields.finish()?;
    Ok(ClientSettings {
        id,
        secret: Secret::new(secret),
        id_param_name,
        secret_param_name,
        basic_authorization: Default::default(),
    })
}

/// A body parameter's name: as simple-oauth2 does, an empty one is refused.
fn take_param_name(fields: &mut Fields, key: &str, default: &str) -> Result<String> {
    match fields.take_string(key)? {
        None => Ok(default.into()),
        Some(name) if name.is_empty() => Err(fields.error(key, "must not be empty")),
        Some(name) => Ok(name),
    }
}

/// RFC 6749 Appendix A: client_id and client_secret are VSCHAR (0x20-0x7E).
fn check_vschar(fields: &Fields, key: &str, value: &str) -> Result<()> {
    if value.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        Ok(())
    } else {
        Err(fields.error(key, "may contain only printable ASCII characters (0x20-0x7E)"))
    }
}

fn parse_auth(mut fields: Fields) -> Result<Endpoints> {
    let host_text = fields.require_string("tokenHost")?;
    let host = Url::parse(&host_text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| fields.error("tokenHost", "must be an absolute http or https URL"))?;
    let token_path = fields.take_string("tokenPath")?.unwrap_or_else(|| "/oauth/token".into());
    let refresh_path = fields.take_string("refreshPath")?.unwrap_or_else(|| token_path.clone());
    let revoke_path = fields.take_string("revokePath")?.unwrap_or_else(|| "/oauth/revoke".into());
    let resolve = |key: &str, path: &str| {
        host.join(path)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| fields.error(key, "does not resolve to an http or https URL"))
    };
    let endpoints = Endpoints {
        token_url: resolve("tokenPath", &token_path)?,
        refresh_url: resolve("refreshPath", &refresh_path)?,
        revoke_url: resolve("revokePath", &revoke_path)?,
    };
    fields.finish()?;
    Ok(endpoints)
}

/// RFC 6749 §3.2 requires TLS at the token endpoint; plain http only to this machine.
fn check_tls_required(auth: &Endpoints) -> Result<()> {
    let endpoints = [
        ("tokenHost/tokenPath", &auth.token_url),
        ("refreshPath", &auth.refresh_url),
        ("revokePath", &auth.revoke_url),
    ];
    for (key, url) in endpoints {
        if url.scheme() == "http" && !is_loopback(url) {
            return Err(Error::invalid_config(format!(
                "auth.{key} resolves to plain http on {}, which is not this machine: OAuth 2.0 requires TLS \
                 (use https, or set transport.allowInsecureHttp to true to allow it)",
                url.host_str().unwrap_or("?")
            )));
        }
    }
    Ok(())
}

/// Whether `url` names this machine: `localhost` (with or without the root's dot) or a loopback
/// address, IPv4-mapped IPv6 included.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => {
            address.is_loopback() || address.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

fn parse_options(fields: Option<Fields>) -> Result<Options> {
    let mut options = Options {
        scope_separator: " ".into(),
        credentials_encoding: CredentialsEncoding::Strict,
        body_format: BodyFormat::Form,
        authorization_method: AuthorizationMethod::Header,
    };
    let Some(mut fields) = fields else { return Ok(options) };
    if let Some(separator) = fields.take_string("scopeSeparator")? {
        options.scope_separator = separator;
    }
    if let Some(mode) = fields.take_choice("credentialsEncodingMode", &["strict", "loose"])? {
        options.credentials_encoding =
            if mode == "strict" { CredentialsEncoding::Strict } else { CredentialsEncoding::Loose };
    }
    if let Some(format) = fields.take_choice("bodyFormat", &["form", "json"])? {
        options.body_format = if format == "form" { BodyFormat::Form } else { BodyFormat::Json };
    }
    if let Some(method) = fields.take_choice("authorizationMethod", &["header", "body"])? {
        options.authorization_method =
            if method == "header" { AuthorizationMethod::Header } else { AuthorizationMethod::Body };
    }
    fields.finish()?;
    Ok(options)
}

/// The longest cache durations: a year.
const YEAR_SECONDS: u64 = 366 * 24 * 3600;

fn parse_cache(fields: Option<Fields>) -> Result<CacheSettings> {
    let mut cache = CacheSettings::default();
    let Some(mut fields) = fields else { return Ok(cache) };
    if let Some(window) = fields.take_seconds("expiryWindowSeconds", 0..=YEAR_SECONDS)? {
        cache.expiry_window = window;
    }
    if let Some(max_age) = fields.take_seconds("maxAgeSeconds", 1..=YEAR_SECONDS)? {
        cache.max_age = max_age;
    }
    fields.finish()?;
    Ok(cache)
}

/// RFC 9110 token characters.
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers that decide how a request is framed or routed: a wrong one hangs or smuggles it.
fn is_framing_header(name: &str) -> bool {
    const FRAMING: [&str; 9] = [
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ];
    FRAMING.iter().any(|framing| framing.eq_ignore_ascii_case(name))
}

fn is_header_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7F))
}

#[cfg(test)]
mod tests;
