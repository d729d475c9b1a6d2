//! When a cached token is renewed, and how long failed fetches back off.

use std::time::Duration;

use time::OffsetDateTime;

use crate::oauth::backoff::Backoff;
use crate::oauth::clock::Moment;
use crate::oauth::config::CacheSettings;
use crate::oauth::random;

/// Share of a token's lifetime after which it is renewed ahead of time.
const REFRESH_AHEAD_RATIO: f64 = 0.8;
/// Most of a lifetime by which the refresh point is moved earlier, at random, so that many
/// processes holding tokens from the same moment do not renew them all at once.
const REFRESH_JITTER_RATIO: f64 = 0.05;
/// The back-off after failed fetches: 1 s doubling to 60 s, less up to a quarter at random.
const FETCH_BACKOFF: Backoff = Backoff { initial: Duration::from_secs(1), max: Duration::from_secs(60), jitter: 0.25 };
/// Shortest time a fetched token is reused. A token that arrives expired or nearly so
/// (`expires_in` 0, negative or 1, or an `expires_at` in the past through clock skew) would
/// otherwise send every call to the server.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(5);

/// The moments that matter for one cached token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// From here on, one caller renews the token while the others keep using it.
    pub refresh_at: Moment,
    /// From here on, callers wait for a new token (the expiry window has begun).
    pub renew_by: Moment,
    /// The token's real expiry: until here it is still served if renewing fails.
    pub hard_expiry: Moment,
    /// The token came with less than `MIN_TOKEN_LIFETIME` to live and is kept that long.
    pub short_lived: bool,
}

/// Plans a token fetched at `now`. A short-lived token has its window cut to half its lifetime,
/// so that a server issuing tokens shorter than the window is not asked on every call; a token
/// with less than `MIN_TOKEN_LIFETIME` to live is kept that long.
pub fn schedule(
    now: Moment,
    now_utc: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
    settings: &CacheSettings,
) -> Schedule {
    let lifetime = match expires_at {
        Some(at) => Duration::try_from(at - now_utc).unwrap_or(Duration::ZERO),
        None => settings.max_age,
    };
    let short_lived = lifetime < MIN_TOKEN_LIFETIME;
    let lifetime = lifetime.max(MIN_TOKEN_LIFETIME);
    let window = if expires_at.is_some() { settings.expiry_window.min(lifetime / 2) } else { Duration::ZERO };
    let hard_expiry = now + lifetime;
    let renew_by = hard_expiry - window;
    let ahead = now + lifetime.mul_f64(REFRESH_AHEAD_RATIO);
    let jitter = lifetime.mul_f64(REFRESH_JITTER_RATIO * random::fraction());
    let refresh_at = ahead.earliest(renew_by).checked_sub(jitter).unwrap_or(now).latest(now);
    Schedule { refresh_at, renew_by, hard_expiry, short_lived }
}

/// The wait after `failures` consecutive failed fetches.
pub fn fetch_backoff(failures: u32) -> Duration {
    FETCH_BACKOFF.delay(failures, random::fraction())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::clock::{Clock, SystemClock};

    fn settings(window: u64, max_age: u64) -> CacheSettings {
        CacheSettings { expiry_window: Duration::from_secs(window), max_age: Duration::from_secs(max_age) }
    }

    #[test]
    fn long_token_refreshes_at_about_80_percent() {
        let (now, utc) = (SystemClock.now(), OffsetDateTime::now_utc());
        let plan = schedule(now, utc, Some(utc + Duration::from_secs(3600)), &settings(60, 300));
        assert_eq!(plan.hard_expiry, now + Duration::from_secs(3600));
        assert_eq!(plan.renew_by, now + Duration::from_secs(3540));
        let ahead = plan.refresh_at.checked_duration_since(now).unwrap_or_default();
        assert!(ahead <= Duration::from_secs(2880), "at most 80 %");
        assert!(ahead >= Duration::from_secs(2700), "jitter is at most 5 % of the lifetime");
    }

    #[test]
    fn window_wins_when_it_is_earlier_than_80_percent() {
        let (now, utc) = (SystemClock.now(), OffsetDateTime::now_utc());
        let plan = schedule(now, utc, Some(utc + Duration::from_secs(1000)), &settings(300, 300));
        assert_eq!(plan.renew_by, now + Duration::from_secs(700));
        assert!(plan.renew_by.checked_duration_since(plan.refresh_at).is_some());
    }

    #[test]
    fn short_token_window_is_cut_to_half_its_lifetime() {
        let (now, utc) = (SystemClock.now(), OffsetDateTime::now_utc());
        let plan = schedule(now, utc, Some(utc + Duration::from_secs(30)), &settings(60, 300));
        assert_eq!(plan.renew_by, now + Duration::from_secs(15));
    }

    #[test]
    fn token_without_expiry_lives_max_age() {
        let (now, utc) = (SystemClock.now(), OffsetDateTime::now_utc());
        let plan = schedule(now, utc, None, &settings(60, 300));
        assert_eq!(plan.hard_expiry, now + Duration::from_secs(300));
        assert_eq!(plan.renew_by, plan.hard_expiry);
    }

    #[test]
    fn token_expired_on_arrival_is_kept_the_minimum_lifetime() {
        let (now, utc) = (SystemClock.now(), OffsetDateTime::now_utc());
        for expires_at in [utc - Duration::from_secs(5), utc, utc + Duration::from_secs(1)] {
            let plan = schedule(now, utc, Some(expires_at), &settings(60, 300));
            assert!(plan.short_lived);
            assert_eq!(plan.hard_expiry, now + MIN_TOKEN_LIFETIME);
            assert_eq!(plan.renew_by, now + MIN_TOKEN_LIFETIME / 2);
            let ahead = plan.refresh_at.checked_duration_since(now).unwrap_or_default();
            assert!(ahead >= Duration::from_millis(2250), "not at once: {ahead:?}");
        }
        assert!(!schedule(now, utc, Some(utc + Duration::from_secs(30)), &settings(60, 300)).short_lived);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        for (failures, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
            let wait = fetch_backoff(failures);
            let full = Duration::from_secs(full);
            assert!(wait <= full && wait >= full.mul_f64(0.75), "{failures}: {wait:?}");
        }
    }
}
