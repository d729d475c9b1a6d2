//! What a client and every token it made share: the configuration, the transport, the clock,
//! and the one place a request's errors are scrubbed of credentials.

use std::sync::Arc;

use super::clock::Clock;
use super::config::{Config, CredentialsEncoding, HttpOptions};
use super::credentials::basic_credentials;
use super::error::Result;
use super::http::HttpResponse;
use super::redact::Redactor;
use super::request::{self, Params};
use super::transport::Transport;

/// Tokens keep their session alive after the client is gone.
pub struct Session {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    transport: Transport,
    /// The client's credentials in every form they are sent in.
    credentials: Redactor,
}

impl Session {
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Self {
        let credentials = credential_redactor(&config);
        Session { transport: Transport::new(config.transport.clone()), config, clock, credentials }
    }

    /// Sends one request and reads its answer with `interpret`. This is the one place errors
    /// leave a request: each is scrubbed of the client's credentials and of `tokens` (those the
    /// request carried) in any encoding, in case the server echoed them.
    pub fn exchange<T>(
        &self,
        url: &url::Url,
        params: Params,
        options: &HttpOptions,
        tokens: Option<&Redactor>,
        interpret: impl FnOnce(&HttpResponse) -> Result<T>,
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
