//! One cache key's token: read without locks while fresh, renewed by exactly one caller at a
//! time (single flight), kept through a failed renewal while it is still valid (stale-if-error),
//! and with failed fetches backing off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::policy::{backoff, Schedule};
use crate::core::client::AccessToken;
use crate::core::clock::{Clock, Moment};
use crate::core::error::{Error, ErrorKind, Result};
use crate::core::log::{self, Level};

/// A cached token with its bearer string ready for the hot path.
pub struct Cached {
    pub token: AccessToken,
    pub bearer: zeroize::Zeroizing<String>,
    pub schedule: Schedule,
}

impl Cached {
    /// Before its refresh point: served as it is, with nothing else to do.
    pub fn is_fresh(&self, now: Moment) -> bool {
        now < self.schedule.refresh_at
    }
}

/// What the cache knows about one key, for monitoring.
#[derive(Debug, Clone)]
pub struct CacheStats {
    pub cached: bool,
    pub in_flight: bool,
    pub fetches: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    pub retry_in: Option<Duration>,
    pub last_error: Option<Error>,
}

pub struct Entry {
    /// Unique for the life of the process (addresses are reused; ids are not).
    pub id: u64,
    /// The fork generation this entry was made in; see `crate::core::fork`.
    pub fork_generation: u64,
    /// Bumped after every change of `current`.
    version: AtomicU64,
    current: ArcSwapOption<Cached>,
    state: Mutex<FetchState>,
    fetched: Condvar,
}

#[derive(Default)]
struct FetchState {
    in_flight: bool,
    /// Completed fetches; waiters watch it change.
    round: u64,
    last_result: Option<Result<Arc<Cached>>>,
    consecutive_failures: u32,
    retry_at: Option<Moment>,
    fetches: u64,
    failures: u64,
}

impl Entry {
    pub fn new(fork_generation: u64) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Entry {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            fork_generation,
            version: AtomicU64::new(0),
            current: ArcSwapOption::empty(),
            state: Mutex::new(FetchState::default()),
            fetched: Condvar::new(),
        }
    }

    /// Changes whenever the token does. Read it before the token: see `thread_copies`.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Replaces the token, then announces it (in that order, for `thread_copies`).
    fn publish(&self, cached: Option<Arc<Cached>>) {
        self.current.store(cached);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// The token for this key, fetching with `fetch` when there is none or it is due.
    pub fn get(&self, clock: &dyn Clock, fetch: &dyn Fn() -> Result<Cached>) -> Result<Arc<Cached>> {
        let now = clock.now();
        if let Some(cached) = self.current.load_full() {
            if cached.is_fresh(now) {
                return Ok(cached);
            }
            if now < cached.schedule.renew_by {
                // Refresh ahead: one caller renews; everyone else keeps the current token.
                if self.try_start_fetch(now) {
                    return Ok(self.run_fetch(clock, fetch).unwrap_or(cached));
                }
                return Ok(cached);
            }
        }
        self.get_waiting(clock, fetch)
    }

    /// No usable token: fetch, or wait for the fetch in flight and share its outcome.
    fn get_waiting(&self, clock: &dyn Clock, fetch: &dyn Fn() -> Result<Cached>) -> Result<Arc<Cached>> {
        let mut state = self.lock();
        let now = clock.now();
        if let Some(cached) = self.current.load_full().filter(|c| now < c.schedule.renew_by) {
            return Ok(cached);
        }
        if state.in_flight {
            let round = state.round;
            while state.in_flight && state.round == round {
                state = self.fetched.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            let outcome = state.last_result.clone();
            drop(state);
            return match outcome {
                Some(Ok(cached)) => Ok(cached),
                Some(Err(error)) => self.stale_or(clock.now(), error),
                None => Err(Error::new(ErrorKind::Internal, "token fetch ended without a result")),
            };
        }
        if let Some(retry_at) = state.retry_at.filter(|at| now < *at) {
            let error = match &state.last_result {
                Some(Err(error)) => error.clone(),
                _ => Error::new(ErrorKind::Internal, "backing off without an error"),
            };
            drop(state);
            let wait = retry_at.checked_duration_since(now).unwrap_or_default();
            return self.stale_or(
                now,
                error.prefixed(&format!("token fetches are backing off for {} ms after: ", wait.as_millis())),
            );
        }
        state.in_flight = true;
        drop(state);
        self.run_fetch(clock, fetch).or_else(|error| self.stale_or(clock.now(), error))
    }

    /// The current token while it has not really expired, else `error`.
    fn stale_or(&self, now: Moment, error: Error) -> Result<Arc<Cached>> {
        match self.current.load_full() {
            Some(cached) if now < cached.schedule.hard_expiry => Ok(cached),
            _ => Err(error),
        }
    }

    fn try_start_fetch(&self, now: Moment) -> bool {
        let mut state = self.lock();
        if state.in_flight || state.retry_at.is_some_and(|at| now < at) {
            return false;
        }
        state.in_flight = true;
        true
    }

    /// Fetches (the caller has set `in_flight`), stores the outcome and wakes the waiters, even
    /// if `fetch` panics.
    fn run_fetch(&self, clock: &dyn Clock, fetch: &dyn Fn() -> Result<Cached>) -> Result<Arc<Cached>> {
        let mut guard = FetchGuard { entry: self, clock, finished: false };
        let result = fetch().map(Arc::new);
        guard.finished = true;
        self.finish(clock.now(), result.clone());
        result
    }

    fn finish(&self, now: Moment, result: Result<Arc<Cached>>) {
        let mut state = self.lock();
        state.in_flight = false;
        state.round += 1;
        state.fetches += 1;
        match &result {
            Ok(cached) => {
                self.publish(Some(Arc::clone(cached)));
                state.consecutive_failures = 0;
                state.retry_at = None;
                let renew_in = cached.schedule.refresh_at.checked_duration_since(now).unwrap_or_default();
                log::emit(Level::Info, || format!("cached a new token; renewing it in {} s", renew_in.as_secs()));
            }
            Err(error) => {
                state.failures += 1;
                state.consecutive_failures += 1;
                let wait = backoff(state.consecutive_failures);
                state.retry_at = Some(now + wait);
                let failures = state.consecutive_failures;
                log::emit(Level::Warn, || {
                    format!(
                        "token fetch failed ({failures} in a row); next try in {} ms: {}",
                        wait.as_millis(),
                        error.message()
                    )
                });
            }
        }
        state.last_result = Some(result);
        drop(state);
        self.fetched.notify_all();
    }

    /// Drops the cached token (a resource server rejected it); the next call fetches.
    pub fn invalidate(&self) {
        self.publish(None);
    }

    pub fn stats(&self, now: Moment) -> CacheStats {
        let state = self.lock();
        CacheStats {
            cached: self.current.load().is_some(),
            in_flight: state.in_flight,
            fetches: state.fetches,
            failures: state.failures,
            consecutive_failures: state.consecutive_failures,
            retry_in: state.retry_at.and_then(|at| at.checked_duration_since(now)).filter(|d| !d.is_zero()),
            last_error: match &state.last_result {
                Some(Err(error)) => Some(error.clone()),
                _ => None,
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, FetchState> {
        // The state stays consistent even if a holder panicked: every update is a plain store.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends a fetch that unwound, so that waiters are woken with an error instead of hanging.
struct FetchGuard<'a> {
    entry: &'a Entry,
    clock: &'a dyn Clock,
    finished: bool,
}

impl Drop for FetchGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let error = Error::new(ErrorKind::Internal, "token fetch panicked");
            self.entry.finish(self.clock.now(), Err(error));
        }
    }
}
