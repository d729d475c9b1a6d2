//! The wire: a request as the transport sends it, an answer as it read it, and what a status or
//! a `Retry-After` header means. No knowledge of OAuth.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;
use url::Url;
use zeroize::Zeroize;

use super::backoff::LONGEST_RETRY_WAIT;

/// A fully built request, ready for the transport.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Option<std::time::Duration>,
}

impl Drop for HttpRequest {
    // The body and the Authorization header carry credentials.
    fn drop(&mut self) {
        self.body.zeroize();
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
    }
}

impl std::fmt::Debug for HttpRequest {
    // The headers and body carry credentials; show only where the request goes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest").field("url", &DisplayUrl(&self.url).to_string()).finish_non_exhaustive()
    }
}

/// Shows a URL without user info or query, fit for an error message or a log line; written
/// only when a message is made.
#[derive(Clone, Copy)]
pub struct DisplayUrl<'a>(pub &'a Url);

impl std::fmt::Display for DisplayUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.0;
        write!(f, "{}://{}", url.scheme(), url.host_str().unwrap_or(""))?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())
    }
}

/// What the transport read: the status, `Retry-After`, and the (size-capped) body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        HttpResponse { status, retry_after: None, body }
    }
}

impl Drop for HttpResponse {
    // A token response holds bearer and refresh tokens.
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Whether an HTTP status is worth another attempt: 429 and 5xx.
pub fn status_is_retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// `Retry-After` (RFC 9110 §10.2.3): whole seconds, or an HTTP date (a past date means now);
/// at most `LONGEST_RETRY_WAIT`.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let after = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let date = OffsetDateTime::parse(value, &Rfc2822).ok()?;
            Duration::try_from(date - now).unwrap_or(Duration::ZERO)
        }
    };
    Some(after.min(LONGEST_RETRY_WAIT))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn display_url_drops_user_info_and_query() {
        let url = Url::parse("https://user:pw@h.example:8443/p/t?secret=1#f").unwrap();
        assert_eq!(DisplayUrl(&url).to_string(), "https://h.example:8443/p/t");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = datetime!(1994-11-06 08:49:00 UTC);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(37)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:48:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn retry_after_is_capped_at_an_hour() {
        let now = datetime!(1994-11-06 08:49:00 UTC);
        assert_eq!(parse_retry_after("3600", now), Some(LONGEST_RETRY_WAIT));
        assert_eq!(parse_retry_after("3601", now), Some(LONGEST_RETRY_WAIT));
        assert_eq!(parse_retry_after("18446744073709551615", now), Some(LONGEST_RETRY_WAIT));
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), Some(LONGEST_RETRY_WAIT));
        assert_eq!(parse_retry_after("18446744073709551616", now), None, "not a u64, not a date");
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 500, 502, 503, 504] {
            assert!(status_is_retryable(status), "{status}");
        }
        for status in [200, 302, 400, 401, 403, 404, 422] {
            assert!(!status_is_retryable(status), "{status}");
        }
    }
}
