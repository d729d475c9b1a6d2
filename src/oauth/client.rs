//! `ClientCredentials`: the operations of simple-oauth2's client, and its token cache.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use serde_json::{Map, Value};

use super::cache::{cache_key, policy, thread_copies, CacheStats, Cached, Entry, TokenCache};
use super::clock::{Clock, SystemClock};
use super::config::{Config, HttpOptions};
use super::error::{Error, ErrorKind, Result};
use super::fork;
use super::request::Params;
use super::response;
use super::session::Session;
use super::token::{AccessToken, TokenData};

/// A configured OAuth 2.0 client for the Client Credentials grant. Cheap to clone; thread-safe.
#[derive(Clone)]
pub struct ClientCredentials {
    session: Arc<Session>,
    cache: Arc<TokenCache<AccessToken>>,
}

/// One cached token.
type CachedToken = Cached<AccessToken>;

impl ClientCredentials {
    pub fn new(config: Config) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose expiry and cache decisions follow `clock` (tests use a manual clock).
    pub fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Self {
        ClientCredentials { session: Arc::new(Session::new(config, clock)), cache: Arc::new(TokenCache::new()) }
    }

    pub fn from_json_str(config_json: &str) -> Result<Self> {
        Config::from_json_str(config_json).map(Self::new)
    }

    pub fn config(&self) -> &Config {
        &self.session.config
    }

    /// Requests a token (RFC 6749 §4.4). `params` holds `scope` (string or array) and any extra
    /// parameters; `options` adds headers and a timeout for this call.
    pub fn get_token(&self, params: &Map<String, Value>, options: &HttpOptions) -> Result<AccessToken> {
        let session = &self.session;
        let config = &session.config;
        let params = Params::for_grant("client_credentials", params, &[], &config.options.scope_separator)?;
        let object = session.exchange(&config.auth.token_url, params, options, None, |answer| {
            response::token_object("token endpoint", answer)
        })?;
        let data = TokenData::parse(object, session.clock.now_utc(), ErrorKind::InvalidResponse)?;
        Ok(AccessToken::new(data, session))
    }

    /// A token from stored JSON (such as an earlier `to_json`); no request is made.
    pub fn create_token(&self, object: Map<String, Value>) -> Result<AccessToken> {
        let data = TokenData::parse(object, self.session.clock.now_utc(), ErrorKind::InvalidArgument)?;
        Ok(AccessToken::new(data, &self.session))
    }

    /// The cached token for `params` while it is valid, else a new one. Many threads asking at
    /// once for the same params make one request; see `cache::Entry` for the rules.
    pub fn get_cached_token(&self, params: &Map<String, Value>) -> Result<AccessToken> {
        let (_, entry) = self.cache_entry(params)?;
        let cached = entry.get(self.session.clock.as_ref(), &|| self.fetch_for_cache(params))?;
        Ok(cached.value.clone())
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
        Ok(self.cache.find(&key).map(|entry| entry.stats(self.session.clock.now())).unwrap_or_default())
    }

    /// A handle on the cache entry for `params`, for callers that read the bearer on a hot path.
    pub fn cache_slot(&self, params: &Map<String, Value>) -> Result<CacheSlot> {
        let (key, entry) = self.cache_entry(params)?;
        Ok(CacheSlot { client: self.clone(), key, params: params.clone(), entry, forked: ArcSwapOption::empty() })
    }

    /// The cache key of `params` and its entry; the params are checked now, not on first fetch.
    fn cache_entry(&self, params: &Map<String, Value>) -> Result<(String, Arc<Entry<AccessToken>>)> {
        let key = self.cache_key(params)?;
        let entry = self.cache.entry(&key);
        Ok((key, entry))
    }

    fn cache_key(&self, params: &Map<String, Value>) -> Result<String> {
        cache_key(params, &self.session.config.options.scope_separator)
    }

    fn fetch_for_cache(&self, params: &Map<String, Value>) -> Result<CachedToken> {
        let token = self.get_token(params, &HttpOptions::default())?;
        let bearer = token
            .access_token()
            .ok_or_else(|| {
                Error::new(ErrorKind::InvalidResponse, "token endpoint answered a token without an access_token string")
            })?
            .to_owned()
            .into();
        let clock = &self.session.clock;
        let schedule = policy::schedule(clock.now(), clock.now_utc(), token.expires_at(), &self.session.config.cache);
        Ok(Cached { value: token, bearer, schedule })
    }
}

/// One client's cache entry for one set of params.
pub struct CacheSlot {
    client: ClientCredentials,
    key: String,
    params: Map<String, Value>,
    /// The entry of the process that made the slot: read with no atomic swap on the hot path.
    entry: Arc<Entry<AccessToken>>,
    /// In a forked child, the child's own entry (the parent's may be locked mid-fetch).
    forked: ArcSwapOption<Entry<AccessToken>>,
}

impl CacheSlot {
    /// Calls `read` with the bearer token; on the hot path (a fresh token this thread has read
    /// before) this takes no lock, allocates nothing and writes nothing shared.
    pub fn with_bearer<R>(&self, mut read: impl FnMut(&str) -> R) -> Result<R> {
        if let Some(result) = self.with_fresh_bearer(&mut read) {
            return Ok(result);
        }
        let entry = &self.entry;
        let in_this_process = entry.fork_generation == fork::generation();
        let version = entry.version();
        let cached = self.cached()?;
        if in_this_process {
            thread_copies::remember(entry, version, &cached);
        }
        Ok(read(&cached.bearer))
    }

    /// The hot path of `with_bearer` alone: `None` unless this thread holds a fresh copy of the
    /// bearer. Never blocks, logs, locks or allocates.
    pub fn with_fresh_bearer<R>(&self, mut read: impl FnMut(&str) -> R) -> Option<R> {
        let entry = &self.entry;
        if entry.fork_generation != fork::generation() {
            return None;
        }
        thread_copies::read_fresh(entry, self.client.session.clock.now(), &mut read)
    }

    /// The cached token, fetched when missing or due.
    pub fn token(&self) -> Result<AccessToken> {
        Ok(self.cached()?.value.clone())
    }

    pub fn invalidate(&self) {
        self.entry().invalidate();
    }

    fn cached(&self) -> Result<Arc<CachedToken>> {
        let client = &self.client;
        self.entry().get(client.session.clock.as_ref(), &|| client.fetch_for_cache(&self.params))
    }

    /// This process's entry.
    fn entry(&self) -> Arc<Entry<AccessToken>> {
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

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials").field("config", &self.session.config).finish()
    }
}
