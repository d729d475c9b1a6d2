//! Exponential back-off with jitter: the one policy behind the waits between a request's
//! attempts and between a cache key's failed fetches.

use std::time::Duration;

/// The longest wait between attempts, a server's `Retry-After` included: an hour. A server may
/// send any number (up to u64::MAX seconds, or a date in the year 9999), the configuration any
/// delay; past an hour, the wait would only end after any sensible deadline anyway.
pub const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// The share of each wait that may be taken off at random, so that many clients failing
    /// together do not all come back together.
    pub jitter: f64,
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1 for the first): doubling from
    /// `initial`, capped at `max` and at `LONGEST_RETRY_WAIT`, less `jitter × random_fraction`
    /// of it (`random_fraction` in 0..1).
    pub fn delay(&self, failures: u32, random_fraction: f64) -> Duration {
        let doubled = self.initial.saturating_mul(1 << failures.saturating_sub(1).min(16));
        doubled.min(self.max).min(LONGEST_RETRY_WAIT).mul_f64(1.0 - self.jitter * random_fraction.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Backoff =
        Backoff { initial: Duration::from_millis(100), max: Duration::from_millis(300), jitter: 0.5 };

    #[test]
    fn doubles_up_to_the_cap() {
        assert_eq!(POLICY.delay(1, 0.0), Duration::from_millis(100));
        assert_eq!(POLICY.delay(2, 0.0), Duration::from_millis(200));
        assert_eq!(POLICY.delay(3, 0.0), Duration::from_millis(300));
        assert_eq!(POLICY.delay(40, 0.0), Duration::from_millis(300));
    }

    #[test]
    fn jitter_takes_off_at_most_its_share() {
        assert_eq!(POLICY.delay(2, 1.0), Duration::from_millis(100));
        assert_eq!(POLICY.delay(2, 0.5), Duration::from_millis(150));
    }

    #[test]
    fn no_wait_exceeds_an_hour() {
        let huge = Backoff { initial: Duration::MAX, max: Duration::MAX, jitter: 0.5 };
        assert_eq!(huge.delay(9, 0.0), LONGEST_RETRY_WAIT);
        assert_eq!(huge.delay(9, 1.0), LONGEST_RETRY_WAIT / 2);
    }
}
