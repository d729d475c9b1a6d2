//! The one error type of the core: a kind the FFI maps to a status, a message that is safe to
//! show (never a secret), and the details of an HTTP or OAuth failure when there was one.

use std::fmt;

use super::redact::{self, Redactor, SCRUB_WINDOW};

/// How much of each text (message, body, OAuth fields) an error hands out once scrubbed.
pub(crate) const ERROR_TEXT_CAP: usize = 4096;

/// How much of a body an error holds until it is scrubbed: more than the scrub reads, so that
/// the scrub knows when a body was cut (and drops the tail where a secret may have been cut).
const ERROR_BODY_KEPT: usize = 2 * SCRUB_WINDOW;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A caller-supplied argument (params, http options, token type, token JSON) is wrong.
    InvalidArgument,
    /// The configuration object is wrong.
    InvalidConfig,
    /// DNS, connect, TLS or I/O failure.
    Transport,
    /// The request did not finish within its deadline.
    Timeout,
    /// The server answered with a non-success status and no RFC 6749 error body.
    Http,
    /// The server answered with an RFC 6749 §5.2 error object.
    OAuth,
    /// A success status whose body is not a usable token.
    InvalidResponse,
    /// A bug in liboauthcc (for example a caught panic).
    Internal,
}

/// The RFC 6749 §5.2 fields of an error response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthErrorFields {
    pub error: String,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Worth another attempt (a transient network failure, 429, 5xx).
    retryable: bool,
    /// How long the server asked us to wait (`Retry-After`).
    retry_after: Option<std::time::Duration>,
    /// Boxed so that `Result<T, Error>` stays small on the success path.
    response: Option<Box<ResponseDetails>>,
}

/// What an HTTP answer told about a failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ResponseDetails {
    http_status: u16,
    oauth: Option<OAuthErrorFields>,
    /// None for a success status: a 2xx body that could not be used may still hold a token.
    body: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), retryable: false, retry_after: None, response: None }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message)
    }

    /// Attaches the HTTP status and the body (lossy UTF-8); `scrubbed` cuts the body to
    /// `ERROR_TEXT_CAP` bytes.
    pub fn with_response(mut self, status: u16, body: &[u8]) -> Self {
        let body = capped_text(body, ERROR_BODY_KEPT);
        self.response = Some(Box::new(ResponseDetails { http_status: status, oauth: None, body: Some(body) }));
        self
    }

    /// Attaches the HTTP status only.
    pub fn with_status(mut self, status: u16) -> Self {
        self.response = Some(Box::new(ResponseDetails { http_status: status, oauth: None, body: None }));
        self
    }

    /// Attaches RFC 6749 error fields; call after `with_response`.
    pub fn with_oauth(mut self, fields: OAuthErrorFields) -> Self {
        self.response.get_or_insert_with(Default::default).oauth = Some(fields);
        self
    }

    pub fn with_retry(mut self, retryable: bool, retry_after: Option<std::time::Duration>) -> Self {
        self.retryable = retryable;
        self.retry_after = retry_after;
        self
    }

    pub fn retryable(&self) -> bool {
        self.retryable
    }

    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn http_status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.http_status)
    }

    pub fn oauth(&self) -> Option<&OAuthErrorFields> {
        self.response.as_ref().and_then(|r| r.oauth.as_ref())
    }

    pub fn body(&self) -> Option<&str> {
        self.response.as_ref().and_then(|r| r.body.as_deref())
    }

    /// The same error with `prefix` put before its message.
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// The error as callers may see it: every credential of `redactors`, in any encoding,
    /// scrubbed from every text it carries, and each text cut to `ERROR_TEXT_CAP` bytes (after
    /// scrubbing, so that no prefix of a credential survives the cut).
    pub(crate) fn scrubbed(mut self, redactors: &[&Redactor]) -> Self {
        let scrub = |text: &mut String| *text = redact::scrub(redactors, text, ERROR_TEXT_CAP);
        scrub(&mut self.message);
        if let Some(response) = self.response.as_mut() {
            response.body.as_mut().map(scrub);
            if let Some(oauth) = response.oauth.as_mut() {
                scrub(&mut oauth.error);
                oauth.error_description.as_mut().map(scrub);
                oauth.error_uri.as_mut().map(scrub);
            }
        }
        self
    }
}

/// The body as text, cut at `cap` bytes on a character boundary.
fn capped_text(body: &[u8], cap: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(cap)]).into_owned();
    if body.len() > cap && text.ends_with('\u{FFFD}') {
        // The cut may have split a character; drop the replacement it produced.
        return text.trim_end_matches('\u{FFFD}').to_owned();
    }
    text
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(form: &str) -> Redactor {
        let mut redactor = Redactor::default();
        redactor.add(form);
        redactor
    }

    #[test]
    fn body_is_capped_at_4_kib_once_scrubbed() {
        let body = vec![b'x'; ERROR_TEXT_CAP + 100];
        let error = Error::new(ErrorKind::Http, "m").with_response(500, &body).scrubbed(&[]);
        assert_eq!(error.body().map(str::len), Some(ERROR_TEXT_CAP));
    }

    #[test]
    fn cap_does_not_leave_half_a_character() {
        let mut body = vec![b'x'; ERROR_TEXT_CAP - 1];
        body.extend_from_slice("é".as_bytes());
        let error = Error::new(ErrorKind::Http, "m").with_response(500, &body).scrubbed(&[]);
        assert_eq!(error.body().map(str::len), Some(ERROR_TEXT_CAP - 1));
    }

    #[test]
    fn a_secret_across_the_cap_leaves_no_prefix() {
        let secret = "k9/QzR+vT2w=Ab7x";
        for escaped in [secret.to_owned(), secret.replace('/', "\\/"), secret.replace('/', "%2F")] {
            let mut body = vec![b'x'; ERROR_TEXT_CAP - 5];
            body.extend_from_slice(escaped.as_bytes());
            let error = Error::new(ErrorKind::Http, "m").with_response(500, &body).scrubbed(&[&redactor(secret)]);
            let kept = error.body().unwrap();
            assert!(kept.len() <= ERROR_TEXT_CAP);
            assert_eq!(kept, "x".repeat(ERROR_TEXT_CAP - 5), "{escaped}: a mark that does not fit is left out");
        }
    }

    #[test]
    fn scrubbed_covers_message_body_and_oauth_fields() {
        let error = Error::new(ErrorKind::OAuth, "bad s3cret")
            .with_response(401, b"{\"echo\":\"s3cret\"}")
            .with_oauth(OAuthErrorFields {
                error: "invalid_client".into(),
                error_description: Some("secret s3cret wrong".into()),
                error_uri: Some("https://e/?s3cret".into()),
            })
            .scrubbed(&[&redactor("s3cret")]);
        let all = format!("{error:?}");
        assert!(!all.contains("s3cret"), "{all}");
        assert_eq!(error.message(), "bad [REDACTED]");
    }

    #[test]
    fn a_success_status_carries_no_body() {
        let error = Error::new(ErrorKind::InvalidResponse, "m").with_status(200);
        assert_eq!((error.http_status(), error.body()), (Some(200), None));
    }
}
