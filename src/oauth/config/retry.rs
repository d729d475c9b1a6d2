//! `transport.retry`: how many attempts a request gets, and the back-off between them.

use std::time::Duration;

use crate::oauth::backoff::{Backoff, LONGEST_RETRY_WAIT};
use crate::oauth::error::{Error, Result};
use crate::oauth::json_fields::Fields;

/// The share of a wait between attempts taken off at random.
const RETRY_JITTER: f64 = 0.5;

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
        if let Some(attempts) = fields.take_whole_number("maxAttempts", 1..=10)? {
            policy.max_attempts = attempts as u32;
        }
        if let Some(delay) = fields.take_millis("initialDelay")? {
            policy.initial_delay = delay;
        }
        if let Some(delay) = fields.take_millis("maxDelay")? {
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
        Backoff { initial: self.initial_delay, max: self.max_delay, jitter: RETRY_JITTER }
            .delay(attempt, random_fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::error::ErrorKind;

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
