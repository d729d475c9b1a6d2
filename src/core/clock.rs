//! Time, injectable so that expiry, refresh-ahead and back-off can be tested without waiting.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    /// Monotonic time, for deadlines.
    fn now(&self) -> Instant;
    /// Wall-clock time, for `expires_at`.
    fn now_utc(&self) -> OffsetDateTime;
}

/// The real clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that moves only when told to; for tests of time-dependent behaviour.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    start_utc: OffsetDateTime,
    elapsed: Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock { start: Instant::now(), start_utc: OffsetDateTime::now_utc(), elapsed: Mutex::new(Duration::ZERO) }
    }

    pub fn advance(&self, by: Duration) {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn now_utc(&self) -> OffsetDateTime {
        self.start_utc + self.elapsed()
    }
}
