//! `AccessToken`: a token and what it needs to refresh or revoke itself.

use std::sync::Arc;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::TokenData;
use crate::oauth::config::HttpOptions;
use crate::oauth::error::{Error, Result};
use crate::oauth::redact::Redactor;
use crate::oauth::request::Params;
use crate::oauth::response;
use crate::oauth::session::Session;

/// A token and the client that can refresh or revoke it. Immutable; thread-safe; cheap to clone.
#[derive(Clone)]
pub struct AccessToken {
    data: Arc<TokenData>,
    session: Arc<Session>,
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

impl AccessToken {
    pub(crate) fn new(data: TokenData, session: &Arc<Session>) -> Self {
        let mut own_tokens = Redactor::default();
        for name in ["access_token", "refresh_token"] {
            own_tokens.add(data.string_field(name).unwrap_or_default());
        }
        AccessToken { data: Arc::new(data), session: Arc::clone(session), own_tokens: Arc::new(own_tokens) }
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
        self.data.expired_at(self.session.clock.now_utc(), window_seconds)
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
        let session = &self.session;
        let config = &session.config;
        let params = Params::for_grant(
            "refresh_token",
            params,
            &[("refresh_token", refresh_token)],
            &config.options.scope_separator,
        )?;
        let object = session.exchange(&config.auth.refresh_url, params, options, Some(&self.own_tokens), |answer| {
            response::token_object("token endpoint", answer)
        })?;
        let data = self.data.successor(object, session.clock.now_utc())?;
        Ok(AccessToken::new(data, session))
    }

    /// Revokes one of the tokens (RFC 7009).
    pub fn revoke(&self, token_type: TokenType, options: &HttpOptions) -> Result<()> {
        let name = token_type.as_str();
        let token = self
            .data
            .string_field(name)
            .ok_or_else(|| Error::invalid_argument(format!("the token has no {name} to revoke")))?;
        let params = Params::from_pairs(&[("token", token), ("token_type_hint", name)]);
        let session = &self.session;
        session.exchange(&session.config.auth.revoke_url, params, options, Some(&self.own_tokens), |answer| {
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

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("data", &self.data).finish()
    }
}
