//! `ClientCredentials` and `AccessToken`: the operations of simple-oauth2, on top of the
//! request builder, the transport and the token parser.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::cache::{cache_key, policy, thread_copies, CacheStats, Cached, Entry, TokenCache};
use super::clock::{Clock, SystemClock};
use super::config::{Config, CredentialsEncoding, HttpOptions};
use super::credentials::basic_credentials;
use super::error::{Error, ErrorKind, Result};
use super::fork;
use super::redact::Redactor;
use super::request::{self, Params};
use super::response;
use super::token::TokenData;
use super::transport::Transport;

/// What a client and every token it made share; tokens keep it alive after the client is gone.
struct Shared {
    config: Config,
    transport: Transport,
    clock: Arc<dyn Clock>,
    /// The client's credentials in every form they are sent in.
    credentials: Redactor,
}

impl Shared {
    /// Sends one request and reads its answer with `interpret`. This is the one place errors
    /// leave a request: each is scrubbed of the client's credentials and of `tokens` (those the
    /// request carried) in any encoding, in case the server echoed them.
    fn exchange<T>(
        &self,
        url: &url::Url,
        params: Params,
        options: &HttpOptions,
        tokens: Option<&Redactor>,
        interpret: impl FnOnce(&response::HttpResponse) -> Result<T>,
    ) -> Result<T> {
        let built = request::build(&self.config, url, params, options)?;
        self.transport.send(&built).and_then(|answer| interpret(&answer)).map_err(|error| match tokens {
            Some(tokens) => error.scrubbed(&[&self.credentials, tokens]),
            None => error.scrubbed(&[&self.credentials]),
        })
    }
}

/// The forms the client's credentials are sent in: the secret, and base64 of `id:secret` in
/// both credential encodings (the server may echo the Basic header of either).
fn credential_redactor(config: &Config) -> Redactor {
    let mut redactor = Redactor::default();
    redactor.add(config.client.secret.expose());
    if !config.client.secret.expose().is_empty() {
        for encoding in [CredentialsEncoding::Strict, CredentialsEncoding::Loose] {
            redactor.add(&basic_credentials(&config.client, encoding));
        }
    }
    redactor
}

/// A configured OAuth 2.0 client for the Client Credentials grant. Cheap to clone; thread-safe.
#[derive(Clone)]
pub struct ClientCredentials {
    shared: Arc<Shared>,
    cache: Arc<TokenCache>,
}

/// A token and the client that can refresh or revoke it. Immutable; thread-safe; cheap to clone.
#[derive(Clone)]
pub struct AccessToken {
    data: Arc<TokenData>,
    shared: Arc<Shared>,
    /// This token's access and refresh tokens, to scrub from its refresh and revoke errors.
    own_tokens: Arc<Redactor>,
}

/// Which token of a pair to revoke (RFC 7009 `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    AccessToken,
    RefreshToken,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::AccessToken => "access_token",
            TokenType::RefreshToken => "refresh_token",
        }
    }
}

impl std::str::FromStr for TokenType {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "access_token" => Ok(TokenType::AccessToken),
            "refresh_token" => Ok(TokenType::RefreshToken),
            _ => Err(Error::invalid_argument("token_type must be \"access_token\" or \"refresh_token\"")),
        }
    }
}

impl ClientCredentials {
    pub fn new(config: Config) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose expiry and cache decisions follow `clock` (tests use a manual clock).
    pub fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Self {
        let credentials = credential_redactor(&config);
        ClientCredentials {
            shared: Arc::new(Shared {
                transport: Transport::new(config.transport.clone()),
                config,
                clock,
                credentials,
            }),
            cache: Arc::new(TokenCache::new()),
        }
    }

    pub fn from_json_str(config_json: &str) -> Result<Self> {
        Config::from_json_str(config_json).map(Self::new)
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Requests a token (RFC 6749 §4.4). `params` holds `scope` (string or array) and any extra
    /// parameters; `options` adds headers and a timeout for this call.
    pub fn get_token(&self, params: &Map<String, Value>, options: &HttpOptions) -> Result<AccessToken> {
        let shared = &self.shared;
        let config = &shared.config;
        let params = Params::for_grant("client_credentials", params, &[], &config.options.scope_separator)?;
        let object = shared.exchange(&config.auth.token_url, params, options, None, |answer| {
            response::token_object("token endpoint", answer)
        })?;
        let data = TokenData::parse(object, shared.clock.now_utc(), ErrorKind::InvalidResponse)?;
        Ok(AccessToken::new(data, shared))
    }

    /// A token from stored JSON (such as an earlier `to_json`); no request is made.
    pub fn create_token(&self, object: Map<String, Value>) -> Result<AccessToken> {
        let data = TokenData::parse(object, self.shared.clock.now_utc(), ErrorKind::InvalidArgument)?;
        Ok(AccessToken::new(data, &self.shared))
    }

    /// The cached token for `params` while it is valid, else a new one. Many threads asking at
    /// once for the same params make one request; see `cache::Entry` for the rules.
    pub fn get_cached_token(&self, params: &Map<String, Value>) -> Result<AccessToken> {
        let (_, entry) = self.cache_entry(params)?;
        let cached = entry.get(self.shared.clock.as_ref(), &|| self.fetch_for_cache(params))?;
        Ok(cached.token.clone())
    }

    /// Drops the cached token for `params`, so that the next call fetches a new one. Params
    /// never cached are left alone (no entry is made for them).
    pub fn invalidate(&self, params: &Map<String, Value>) -> Result<()> {
        if let Some(entry) = self.cache.find(&self.cache_key(params)?) {
            entry.invalidate();
        }
        Ok(())
    }

    /// The cache's state for `params`; all zero for params never cached (no entry is made).
    pub fn cache_stats(&self, params: &Map<String, Value>) -> Result<CacheStats> {
        let key = self.cache_key(params)?;
        Ok(self.cache.find(&key).map(|entry| entry.stats(self.shared.clock.now())).unwrap_or_default())
    }

    /// A handle on the cache entry for `params`, for callers that read the bearer on a hot path.
    pub fn cache_slot(&self, params: &Map<String, Value>) -> Result<CacheSlot> {
        let (key, entry) = self.cache_entry(params)?;
        Ok(CacheSlot { client: self.clone(), key, params: params.clone(), entry, forked: ArcSwapOption::empty() })
    }

    /// The cache key of `params` and its entry; the params are checked now, not on first fetch.
    fn cache_entry(&self, params: &Map<String, Value>) -> Result<(String, Arc<Entry>)> {
        let key = self.cache_key(params)?;
        let entry = self.cache.entry(&key);
        Ok((key, entry))
    }

    fn cache_key(&self, params: &Map<String, Value>) -> Result<String> {
        cache_key(params, &self.shared.config.options.scope_separator)
    }

    fn fetch_for_cache(&self, params: &Map<String, Value>) -> Result<Cached> {
        let token = self.get_token(params, &HttpOptions::default())?;
        let bearer = token
            .access_token()
            .ok_or_else(|| {
                Error::new(ErrorKind::InvalidResponse, "token endpoint answered a token without an access_token string")
            })?
            .to_owned()
            .into();
        let clock = &self.shared.clock;
        let schedule = policy::schedule(clock.now(), clock.now_utc(), token.expires_at(), &self.shared.config.cache);
        Ok(Cached { token, bearer, schedule })
    }
}

/// One client's cache entry for one set of params.
pub struct CacheSlot {
    client: ClientCredentials,
    key: String,
    params: Map<String, Value>,
    /// The entry of the process that made the slot: read with no atomic swap on the hot path.
    entry: Arc<Entry>,
    /// In a forked child, the child's own entry (the parent's may be locked mid-fetch).
    forked: ArcSwapOption<Entry>,
}

impl CacheSlot {
    /// Calls `read` with the bearer token; on the hot path (a fresh token this thread has read
    /// before) this takes no lock, allocates nothing and writes nothing shared.
    pub fn with_bearer<R>(&self, read: impl FnOnce(&str) -> R) -> Result<R> {
        let mut read = Some(read);
        if let Some(result) = self.read_fresh_copy(&mut read) {
            return Ok(result);
        }
        let entry = &self.entry;
        let in_this_process = entry.fork_generation == fork::generation();
        let version = entry.version();
        let cached = self.cached()?;
        if in_this_process {
            thread_copies::remember(entry, version, &cached);
        }
        read.take()
            .map(|read| read(&cached.bearer))
            .ok_or_else(|| Error::new(ErrorKind::Internal, "the bearer reader was used twice"))
    }

    /// The hot path of `with_bearer` alone: `None` unless this thread holds a fresh copy of the
    /// bearer. Never blocks, logs, locks or allocates.
    pub fn with_fresh_bearer<R>(&self, read: impl FnOnce(&str) -> R) -> Option<R> {
        self.read_fresh_copy(&mut Some(read))
    }

    fn read_fresh_copy<R>(&self, read: &mut Option<impl FnOnce(&str) -> R>) -> Option<R> {
        let entry = &self.entry;
        if entry.fork_generation != fork::generation() {
            return None;
        }
        thread_copies::read_fresh(entry, self.client.shared.clock.now(), read)
    }

    /// The cached token, fetched when missing or due.
    pub fn token(&self) -> Result<AccessToken> {
        Ok(self.cached()?.token.clone())
    }

    pub fn invalidate(&self) {
        self.entry().invalidate();
    }

    fn cached(&self) -> Result<Arc<Cached>> {
        let client = &self.client;
        self.entry().get(client.shared.clock.as_ref(), &|| client.fetch_for_cache(&self.params))
    }

    /// This process's entry.
    fn entry(&self) -> Arc<Entry> {
        let generation = fork::generation();
        if self.entry.fork_generation == generation {
            return Arc::clone(&self.entry);
        }
        if let Some(forked) = self.forked.load_full().filter(|e| e.fork_generation == generation) {
            return forked;
        }
        let fresh = self.client.cache.entry(&self.key);
        self.forked.store(Some(Arc::clone(&fresh)));
        fresh
    }
}

impl AccessToken {
    fn new(data: TokenData, shared: &Arc<Shared>) -> Self {
        let mut own_tokens = Redactor::default();
        for name in ["access_token", "refresh_token"] {
            own_tokens.add(data.string_field(name).unwrap_or_default());
        }
        AccessToken { data: Arc::new(data), shared: Arc::clone(shared), own_tokens: Arc::new(own_tokens) }
    }

    /// Every field of the token, `expires_at` as the server or storage gave it.
    pub fn token(&self) -> &Map<String, Value> {
        self.data.fields()
    }

    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.data.expires_at()
    }

    pub fn access_token(&self) -> Option<&str> {
        self.data.string_field("access_token")
    }

    /// True when the token expires within `window_seconds` from now (or has expired).
    pub fn expired(&self, window_seconds: i64) -> bool {
        self.data.expired_at(self.shared.clock.now_utc(), window_seconds)
    }

    /// The token as JSON, `expires_at` as an ISO 8601 UTC string with milliseconds.
    pub fn to_json(&self) -> Value {
        self.data.to_json()
    }

    /// A new token from the refresh_token grant; it keeps this token's refresh_token when the
    /// server sends none.
    pub fn refresh(&self, params: &Map<String, Value>, options: &HttpOptions) -> Result<AccessToken> {
        let refresh_token = self
            .data
            .string_field("refresh_token")
            .ok_or_else(|| Error::invalid_argument("the token has no refresh_token to refresh with"))?;
        let shared = &self.shared;
        let config = &shared.config;
        let params = Params::for_grant(
            "refresh_token",
            params,
            &[("refresh_token", refresh_token)],
            &config.options.scope_separator,
        )?;
        let object = shared.exchange(&config.auth.refresh_url, params, options, Some(&self.own_tokens), |answer| {
            response::token_object("token endpoint", answer)
        })?;
        let data = self.data.successor(object, shared.clock.now_utc())?;
        Ok(AccessToken::new(data, shared))
    }

    /// Revokes one of the tokens (RFC 7009).
    pub fn revoke(&self, token_type: TokenType, options: &HttpOptions) -> Result<()> {
        let name = token_type.as_str();
        let token = self
            .data
            .string_field(name)
            .ok_or_else(|| Error::invalid_argument(format!("the token has no {name} to revoke")))?;
        let params = Params::from_pairs(&[("token", token), ("token_type_hint", name)]);
        let shared = &self.shared;
        shared.exchange(&shared.config.auth.revoke_url, params, options, Some(&self.own_tokens), |answer| {
            response::revocation("revocation endpoint", answer)
        })
    }

    /// Revokes the access token, then the refresh token if there is one; stops at the first failure.
    pub fn revoke_all(&self, options: &HttpOptions) -> Result<()> {
        self.revoke(TokenType::AccessToken, options)?;
        if self.data.string_field("refresh_token").is_some() {
            self.revoke(TokenType::RefreshToken, options)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials").field("config", &self.shared.config).finish()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("data", &self.data).finish()
    }
}
