//! Time, injectable so that expiry, refresh-ahead and back-off can be tested without waiting.

use std::ops::{Add, Sub};
use std::sync::Mutex;
use std::time::Duration;

use once_cell::sync::Lazy;
use time::OffsetDateTime;

/// A point in time on two clocks. The monotonic clock never jumps, but it stops while the
/// machine is suspended or a VM is paused; the wall clock counts through that. A deadline has
/// passed once either clock has reached it, so a token is never served past its real expiry
/// after a long pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moment {
    monotonic: Duration,
    wall: Duration,
}

impl Moment {
    /// A moment `monotonic` after its clock's origin and `wall` after the Unix epoch.
    pub fn new(monotonic: Duration, wall: Duration) -> Self {
        Moment { monotonic, wall }
    }

    /// Whether `deadline` is still ahead on both clocks.
    pub fn is_before(self, deadline: Moment) -> bool {
        self.monotonic < deadline.monotonic && self.wall < deadline.wall
    }

    /// The earlier of two deadlines, clock by clock.
    pub fn earliest(self, other: Moment) -> Moment {
        Moment { monotonic: self.monotonic.min(other.monotonic), wall: self.wall.min(other.wall) }
    }

    /// The later of two deadlines, clock by clock.
    pub fn latest(self, other: Moment) -> Moment {
        Moment { monotonic: self.monotonic.max(other.monotonic), wall: self.wall.max(other.wall) }
    }

    pub fn checked_sub(self, by: Duration) -> Option<Moment> {
        Some(Moment { monotonic: self.monotonic.checked_sub(by)?, wall: self.wall.checked_sub(by)? })
    }

    /// How long from `earlier` until this deadline (the shorter reading of the two clocks), or
    /// `None` if it is not ahead of `earlier`.
    pub fn checked_duration_since(self, earlier: Moment) -> Option<Duration> {
        let monotonic = self.monotonic.checked_sub(earlier.monotonic)?;
        let wall = self.wall.checked_sub(earlier.wall)?;
        Some(monotonic.min(wall))
    }
}

impl Add<Duration> for Moment {
    type Output = Moment;

    fn add(self, by: Duration) -> Moment {
        Moment { monotonic: self.monotonic.saturating_add(by), wall: self.wall.saturating_add(by) }
    }
}

impl Sub<Duration> for Moment {
    type Output = Moment;

    /// Saturates at the origin.
    fn sub(self, by: Duration) -> Moment {
        Moment { monotonic: self.monotonic.saturating_sub(by), wall: self.wall.saturating_sub(by) }
    }
}

pub trait Clock: Send + Sync {
    /// Now on both clocks, for deadlines.
    fn now(&self) -> Moment;
    /// Wall-clock time, for `expires_at`.
    fn now_utc(&self) -> OffsetDateTime;
}

/// The real clocks. Both are the coarse ones (a few milliseconds of resolution, a fraction of
/// the cost of the precise ones): cache decisions are made in seconds, on the hot path.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

static ORIGIN: Lazy<coarsetime::Instant> = Lazy::new(coarsetime::Instant::now_without_cache_update);

impl Clock for SystemClock {
    fn now(&self) -> Moment {
        // Without the cache update: that would write one global from every reading thread.
        let monotonic = coarsetime::Instant::now_without_cache_update().duration_since(*ORIGIN).into();
        let wall = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
        // A wall clock before 1970 reads as the epoch: deadlines then rest on the monotonic clock.
        let wall = Duration::new(wall.tv_sec.try_into().unwrap_or(0), wall.tv_nsec.try_into().unwrap_or(0));
        Moment { monotonic, wall }
    }

    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that moves only when told to; for tests of time-dependent behaviour.
#[derive(Debug)]
pub struct ManualClock {
    start_utc: OffsetDateTime,
    /// Time that passed while running, and time that passed while suspended.
    elapsed: Mutex<(Duration, Duration)>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock { start_utc: OffsetDateTime::now_utc(), elapsed: Mutex::new((Duration::ZERO, Duration::ZERO)) }
    }

    pub fn advance(&self, by: Duration) {
        self.elapsed.lock().unwrap_or_else(|e| e.into_inner()).0 += by;
    }

    /// Time passes for the wall clock only, as while the machine is suspended.
    pub fn suspend(&self, by: Duration) {
        self.elapsed.lock().unwrap_or_else(|e| e.into_inner()).1 += by;
    }

    fn elapsed(&self) -> (Duration, Duration) {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wall_start(&self) -> Duration {
        Duration::try_from(self.start_utc - OffsetDateTime::UNIX_EPOCH).unwrap_or_default()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Moment {
        let (running, suspended) = self.elapsed();
        Moment { monotonic: running, wall: self.wall_start() + running + suspended }
    }

    fn now_utc(&self) -> OffsetDateTime {
        let (running, suspended) = self.elapsed();
        self.start_utc + running + suspended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_on_either_clock() {
        let clock = ManualClock::new();
        let deadline = clock.now() + Duration::from_secs(60);
        assert!(clock.now().is_before(deadline));
        clock.suspend(Duration::from_secs(61));
        assert!(!clock.now().is_before(deadline), "suspended time counts");
        let clock = ManualClock::new();
        let deadline = clock.now() + Duration::from_secs(60);
        clock.advance(Duration::from_secs(60));
        assert!(!clock.now().is_before(deadline));
    }

    #[test]
    fn system_clock_reads_the_wall_clock() {
        let wall = SystemClock.now().wall;
        let precise = Duration::try_from(OffsetDateTime::now_utc() - OffsetDateTime::UNIX_EPOCH).unwrap();
        assert!(precise.abs_diff(wall) < Duration::from_secs(1), "{wall:?} vs {precise:?}");
    }

    #[test]
    fn time_until_a_deadline_is_the_shorter_reading() {
        let now = Moment::new(Duration::from_secs(10), Duration::from_secs(1000));
        let deadline = Moment::new(Duration::from_secs(70), Duration::from_secs(1030));
        assert_eq!(deadline.checked_duration_since(now), Some(Duration::from_secs(30)));
        assert_eq!(now.checked_duration_since(deadline), None);
    }
}
