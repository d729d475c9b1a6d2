//! One cache key's token: read without locks while fresh, renewed by exactly one caller at a
//! time (single flight), kept through a failed renewal while it is still valid (stale-if-error),
//! and with failed fetches backing off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::policy::{backoff, Schedule, MIN_TOKEN_LIFETIME};
use crate::oauth::client::AccessToken;
use crate::oauth::clock::{Clock, Moment};
use crate::oauth::error::{Error, ErrorKind, Result};
use crate::oauth::log::{self, Level};

/// A cached token with its bearer string ready for the hot path.
pub struct Cached {
    pub token: AccessToken,
    pub bearer: zeroize::Zeroizing<String>,
    pub schedule: Schedule,
}

impl Cached {
    /// Before its refresh point: served as it is, with nothing else to do.
    pub fn is_fresh(&self, now: Moment) -> bool {
        now.is_before(self.schedule.refresh_at)
    }
}

/// What the cache knows about one key, for monitoring.
#[derive(Debug, Clone, Default)]
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
    /// The fork generation this entry was made in; see `crate::oauth::fork`.
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
    /// The thread running the fetch in flight.
    fetcher: Option<ThreadId>,
    /// A token that arrived (nearly) expired was reported once already.
    warned_short: bool,
    /// Completed fetches; waiters watch it change.
    round: u64,
    last_result: Option<Result<Arc<Cached>>>,
    consecutive_failures: u32,
    retry_at: Option<Moment>,
    fetches: u64,
    failures: u64,
}

impl FetchState {
    fn start_fetch(&mut self) {
        self.in_flight = true;
        self.fetcher = Some(std::thread::current().id());
    }
}

/// What a finished fetch tells the log.
enum FetchReport {
    Cached { renew_in: Duration, first_short_lived: bool },
    Failed { failures: u32, wait: Duration, error: Error },
}

impl FetchReport {
    fn log(self) {
        match self {
            FetchReport::Cached { renew_in, first_short_lived } => {
                if first_short_lived {
                    log::emit(Level::Warn, || {
                        format!(
                            "the token endpoint answered a token with less than {} s to live (expires_in 0 or \
                             negative, or clocks out of step); it is reused for that long rather than \
                             fetched again on every call",
                            MIN_TOKEN_LIFETIME.as_secs()
                        )
                    });
                }
                log::emit(Level::Info, || format!("cached a new token; renewing it in {} s", renew_in.as_secs()));
            }
            FetchReport::Failed { failures, wait, error } => log::emit(Level::Warn, || {
                format!(
                    "token fetch failed ({failures} in a row); next try in {} ms: {}",
                    wait.as_millis(),
                    error.message()
                )
            }),
        }
    }
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
            if now.is_before(cached.schedule.renew_by) {
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
        if let Some(cached) = self.current.load_full().filter(|c| now.is_before(c.schedule.renew_by)) {
            return Ok(cached);
        }
        if state.in_flight && state.fetcher == Some(std::thread::current().id()) {
            // Called back from inside this key's own fetch (a log sink that calls the library):
            // waiting for that fetch would wait for ourselves.
            drop(state);
            let error = Error::new(ErrorKind::InvalidArgument, "called from inside the token fetch for these params");
            return self.stale_or(now, error);
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
        if let Some(retry_at) = state.retry_at.filter(|at| now.is_before(*at)) {
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
        state.start_fetch();
        drop(state);
        self.run_fetch(clock, fetch).or_else(|error| self.stale_or(clock.now(), error))
    }

    /// The current token while it has not really expired, else `error`.
    fn stale_or(&self, now: Moment, error: Error) -> Result<Arc<Cached>> {
        match self.current.load_full() {
            Some(cached) if now.is_before(cached.schedule.hard_expiry) => Ok(cached),
            _ => Err(error),
        }
    }

    fn try_start_fetch(&self, now: Moment) -> bool {
        let mut state = self.lock();
        if state.in_flight || state.retry_at.is_some_and(|at| now.is_before(at)) {
            return false;
        }
        state.start_fetch();
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

    /// Records a fetch's outcome and wakes its waiters, then logs it: no lock is held and no
    /// waiter is kept waiting while a log sink runs.
    fn finish(&self, now: Moment, result: Result<Arc<Cached>>) {
        let mut state = self.lock();
        state.in_flight = false;
        state.fetcher = None;
        state.round += 1;
        state.fetches += 1;
        let report = match &result {
            Ok(cached) => {
                self.publish(Some(Arc::clone(cached)));
                state.consecutive_failures = 0;
                state.retry_at = None;
                let first_short_lived =
                    cached.schedule.short_lived && !std::mem::replace(&mut state.warned_short, true);
                FetchReport::Cached {
                    renew_in: cached.schedule.refresh_at.checked_duration_since(now).unwrap_or_default(),
                    first_short_lived,
                }
            }
            Err(error) => {
                state.failures += 1;
                state.consecutive_failures += 1;
                let wait = backoff(state.consecutive_failures);
                state.retry_at = Some(now + wait);
                FetchReport::Failed { failures: state.consecutive_failures, wait, error: error.clone() }
            }
        };
        state.last_result = Some(result);
        drop(state);
        self.fetched.notify_all();
        report.log();
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
