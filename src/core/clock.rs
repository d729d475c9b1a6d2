//! Time, injectable so that expiry, refresh-ahead and back-off can be tested without waiting.

use std::ops::{Add, Sub};
use std::sync::Mutex;
use std::time::Duration;

use once_cell::sync::Lazy;
use time::OffsetDateTime;

/// A point in monotonic time: how long after its clock's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Moment(Duration);

impl Moment {
    pub fn checked_sub(self, by: Duration) -> Option<Moment> {
        self.0.checked_sub(by).map(Moment)
    }

    /// How long after `earlier` this is, or `None` if it is not after it.
    pub fn checked_duration_since(self, earlier: Moment) -> Option<Duration> {
        self.0.checked_sub(earlier.0)
    }
}

impl Add<Duration> for Moment {
    type Output = Moment;

    fn add(self, by: Duration) -> Moment {
        Moment(self.0.saturating_add(by))
    }
}

impl Sub<Duration> for Moment {
    type Output = Moment;

    /// Saturates at the origin.
    fn sub(self, by: Duration) -> Moment {
        Moment(self.0.saturating_sub(by))
    }
}

pub trait Clock: Send + Sync {
    /// Monotonic time, for deadlines.
    fn now(&self) -> Moment;
    /// Wall-clock time, for `expires_at`.
    fn now_utc(&self) -> OffsetDateTime;
}

/// The real clocks. Monotonic time is the coarse clock (a few milliseconds of resolution, a
/// fraction of the cost of the precise one): cache decisions are made in seconds, on the hot path.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

static ORIGIN: Lazy<coarsetime::Instant> = Lazy::new(coarsetime::Instant::now_without_cache_update);

impl Clock for SystemClock {
    fn now(&self) -> Moment {
        // Without the cache update: that would write one global from every reading thread.
        let now = coarsetime::Instant::now_without_cache_update();
        Moment(now.duration_since(*ORIGIN).into())
    }

    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that moves only when told to; for tests of time-dependent behaviour.
#[derive(Debug)]
pub struct ManualClock {
    start_utc: OffsetDateTime,
    elapsed: Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock { start_utc: OffsetDateTime::now_utc(), elapsed: Mutex::new(Duration::ZERO) }
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
    fn now(&self) -> Moment {
        Moment(self.elapsed())
    }

    fn now_utc(&self) -> OffsetDateTime {
        self.start_utc + self.elapsed()
    }
}
