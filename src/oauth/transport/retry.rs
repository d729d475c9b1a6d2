//! Which failures are retried, how long to wait between attempts, and `Retry-After`.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::settings::take_millis;
use crate::oauth::error::{Error, Result};
use crate::oauth::json_fields::Fields;

/// The longest wait between attempts, a server's `Retry-After` included: an hour. A server may
/// send any number (up to u64::MAX seconds, or a date in the year 9999), the configuration any
/// `maxDelay`; past an hour, the wait would only end after the call's deadline anyway.
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(60 * 60);

/// `transport.retry`: attempts in all (1 = no retry) and the back-off between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, initial_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    pub fn from_fields(mut fields: Fields) -> Result<Self> {
        let mut policy = RetryPolicy::default();
        if let Some(value) = fields.take("maxAttempts") {
            policy.max_attempts = value
                .as_u64()
                .filter(|n| (1..=10).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| fields.error("maxAttempts", "must be a whole number from 1 to 10"))?;
        }
        if let Some(delay) = take_millis(&mut fields, "initialDelay")? {
            policy.initial_delay = delay;
        }
        if let Some(delay) = take_millis(&mut fields, "maxDelay")? {
            policy.max_delay = delay;
        }
        fields.finish()?;
        Ok(policy)
    }

    /// The wait before attempt `attempt + 1`: the server's `Retry-After` when it gave one,
    /// else exponential from `initial_delay`, capped at `max_delay`, less up to half at random;
    /// never over `LONGEST_RETRY_WAIT`.
    pub fn delay(&self, attempt: u32, error: &Error, random_fraction: f64) -> Duration {
        if let Some(after) = error.retry_after() {
            return after.min(LONGEST_RETRY_WAIT);
        }
        let doubled = self.initial_delay.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        doubled.min(self.max_delay).min(LONGEST_RETRY_WAIT).mul_f64(1.0 - 0.5 * random_fraction)
    }
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
    use crate::oauth::error::ErrorKind;

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
    fn delays_are_capped_at_an_hour() {
        let policy = RetryPolicy { max_attempts: 10, initial_delay: Duration::MAX, max_delay: Duration::MAX };
        let plain = Error::new(ErrorKind::Transport, "x");
        assert_eq!(policy.delay(9, &plain, 0.0), LONGEST_RETRY_WAIT);
        assert_eq!(policy.delay(9, &plain, 1.0), LONGEST_RETRY_WAIT / 2);
        let told = Error::new(ErrorKind::Http, "x").with_retry(true, Some(Duration::MAX));
        assert_eq!(policy.delay(1, &told, 0.0), LONGEST_RETRY_WAIT);
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

    #[test]
    fn delay_doubles_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        let plain = Error::new(ErrorKind::Transport, "x");
        assert_eq!(policy.delay(1, &plain, 0.0), Duration::from_millis(100));
        assert_eq!(policy.delay(2, &plain, 0.0), Duration::from_millis(200));
        assert_eq!(policy.delay(3, &plain, 0.0), Duration::from_millis(300));
        assert_eq!(policy.delay(2, &plain, 1.0), Duration::from_millis(100));
        let told = Error::new(ErrorKind::Http, "x").with_retry(true, Some(Duration::from_secs(7)));
        assert_eq!(policy.delay(1, &told, 0.5), Duration::from_secs(7));
    }
}
