//! One cache key's value (a token): read without locks while fresh, renewed by exactly one
//! caller at a time (single flight), kept through a failed renewal while it is still valid
//! (stale-if-error), and with failed fetches backing off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::policy::{fetch_backoff, Schedule, MIN_TOKEN_LIFETIME};
use crate::oauth::clock::{Clock, Moment};
use crate::oauth::error::{Error, ErrorKind, Result};
use crate::oauth::log::{self, Level};

/// A cached value with its bearer string ready for the hot path.
pub struct Cached<T> {
    pub value: T,
    pub bearer: zeroize::Zeroizing<String>,
    pub schedule: Schedule,
}

impl<T> Cached<T> {
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

pub struct Entry<T> {
    /// Unique for the life of the process (addresses are reused; ids are not).
    pub id: u64,
    /// The fork generation this entry was made in; see `crate::oauth::fork`.
    pub fork_generation: u64,
    /// Bumped after every change of `current`.
    version: AtomicU64,
    current: ArcSwapOption<Cached<T>>,
    state: Mutex<FetchState<T>>,
    fetched: Condvar,
}

/// A fetch's outcome, shared by every caller that waited for it.
type Outcome<T> = Arc<OnceLock<Result<Arc<Cached<T>>>>>;

/// Where fetching stands for one key.
enum Fetch<T> {
    /// No fetch running and none held back.
    Idle,
    /// One caller fetches; the others wait for `outcome`.
    InFlight { fetcher: ThreadId, outcome: Outcome<T> },
    /// The last fetch failed: none until `until`; meanwhile callers get `error`.
    BackingOff { until: Moment, error: Error },
}

struct FetchState<T> {
    fetch: Fetch<T>,
    /// Failures since the last success.
    consecutive_failures: u32,
    /// The last failure, kept after the back-off for monitoring.
    last_error: Option<Error>,
    fetches: u64,
    failures: u64,
    /// A token that arrived (nearly) expired was reported once already.
    warned_short: bool,
}

impl<T> FetchState<T> {
    fn new() -> Self {
        FetchState {
            fetch: Fetch::Idle,
            consecutive_failures: 0,
            last_error: None,
            fetches: 0,
            failures: 0,
            warned_short: false,
        }
    }

    /// Whether a new fetch may start now: none in flight, and not backing off.
    fn may_fetch(&self, now: Moment) -> bool {
        match &self.fetch {
            Fetch::Idle => true,
            Fetch::InFlight { .. } => false,
            Fetch::BackingOff { until, .. } => !now.is_before(*until),
        }
    }

    /// Marks this thread's fetch as in flight; returns the outcome its waiters will share.
    fn start_fetch(&mut self) -> Outcome<T> {
        let outcome = Outcome::default();
        self.fetch = Fetch::InFlight { fetcher: std::thread::current().id(), outcome: Arc::clone(&outcome) };
        outcome
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

impl<T> Entry<T> {
    pub fn new(fork_generation: u64) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Entry {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            fork_generation,
            version: AtomicU64::new(0),
            current: ArcSwapOption::empty(),
            state: Mutex::new(FetchState::new()),
            fetched: Condvar::new(),
        }
    }

    /// Changes whenever the value does. Read it before the value: see `thread_copies`.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Replaces the value, then announces it (in that order, for `thread_copies`).
    fn publish(&self, cached: Option<Arc<Cached<T>>>) {
        self.current.store(cached);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// The value for this key, fetching with `fetch` when there is none or it is due.
    pub fn get(&self, clock: &dyn Clock, fetch: &dyn Fn() -> Result<Cached<T>>) -> Result<Arc<Cached<T>>> {
        let now = clock.now();
        if let Some(cached) = self.current.load_full() {
            if cached.is_fresh(now) {
                return Ok(cached);
            }
            if now.is_before(cached.schedule.renew_by) {
                // Refresh ahead: one caller renews; everyone else keeps the current value.
                return Ok(match self.try_start_fetch(now) {
                    Some(outcome) => self.run_fetch(clock, fetch, &outcome).unwrap_or(cached),
                    None => cached,
                });
            }
        }
        self.get_waiting(clock, fetch)
    }

    /// No usable value: fetch, or wait for the fetch in flight and share its outcome.
    fn get_waiting(&self, clock: &dyn Clock, fetch: &dyn Fn() -> Result<Cached<T>>) -> Result<Arc<Cached<T>>> {
        let mut state = self.lock();
        let now = clock.now();
        if let Some(cached) = self.current.load_full().filter(|c| now.is_before(c.schedule.renew_by)) {
            return Ok(cached);
        }
        match &state.fetch {
            Fetch::InFlight { fetcher, .. } if *fetcher == std::thread::current().id() => {
                // Called back from inside this key's own fetch (a log sink that calls the
                // library): waiting for that fetch would wait for ourselves.
                drop(state);
                let error =
                    Error::new(ErrorKind::InvalidArgument, "called from inside the token fetch for these params");
                self.stale_or(now, error)
            }
            Fetch::InFlight { outcome, .. } => {
                let outcome = Arc::clone(outcome);
                loop {
                    if let Some(result) = outcome.get() {
                        let result = result.clone();
                        drop(state);
                        return result.or_else(|error| self.stale_or(clock.now(), error));
                    }
                    state = self.fetched.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
            }
            Fetch::BackingOff { until, error } if now.is_before(*until) => {
                let wait = until.checked_duration_since(now).unwrap_or_default();
                let error = error
                    .clone()
                    .prefixed(&format!("token fetches are backing off for {} ms after: ", wait.as_millis()));
                drop(state);
                self.stale_or(now, error)
            }
            Fetch::Idle | Fetch::BackingOff { .. } => {
                let outcome = state.start_fetch();
                drop(state);
                self.run_fetch(clock, fetch, &outcome).or_else(|error| self.stale_or(clock.now(), error))
            }
        }
    }

    /// The current value while it has not really expired, else `error`.
    fn stale_or(&self, now: Moment, error: Error) -> Result<Arc<Cached<T>>> {
        match self.current.load_full() {
            Some(cached) if now.is_before(cached.schedule.hard_expiry) => Ok(cached),
            _ => Err(error),
        }
    }

    /// Starts a fetch on this thread if none runs and none is held back.
    fn try_start_fetch(&self, now: Moment) -> Option<Outcome<T>> {
        let mut state = self.lock();
        state.may_fetch(now).then(|| state.start_fetch())
    }

    /// Fetches (the caller has started the fetch), stores the outcome and wakes the waiters,
    /// even if `fetch` panics.
    fn run_fetch(
        &self,
        clock: &dyn Clock,
        fetch: &dyn Fn() -> Result<Cached<T>>,
        outcome: &Outcome<T>,
    ) -> Result<Arc<Cached<T>>> {
        let mut guard = FetchGuard { entry: self, clock, outcome, finished: false };
        let result = fetch().map(Arc::new);
        guard.finished = true;
        self.finish(clock.now(), outcome, result.clone());
        result
    }

    /// Records a fetch's outcome and wakes its waiters, then logs it: no lock is held and no
    /// waiter is kept waiting while a log sink runs.
    fn finish(&self, now: Moment, outcome: &Outcome<T>, result: Result<Arc<Cached<T>>>) {
        let mut state = self.lock();
        state.fetches += 1;
        let report = match &result {
            Ok(cached) => {
                self.publish(Some(Arc::clone(cached)));
                state.fetch = Fetch::Idle;
                state.consecutive_failures = 0;
                state.last_error = None;
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
                let wait = fetch_backoff(state.consecutive_failures);
                state.fetch = Fetch::BackingOff { until: now + wait, error: error.clone() };
                state.last_error = Some(error.clone());
                FetchReport::Failed { failures: state.consecutive_failures, wait, error: error.clone() }
            }
        };
        let _ = outcome.set(result);
        drop(state);
        self.fetched.notify_all();
        report.log();
    }

    /// Drops the cached value (a resource server rejected it); the next call fetches.
    pub fn invalidate(&self) {
        self.publish(None);
    }

    pub fn stats(&self, now: Moment) -> CacheStats {
        let state = self.lock();
        let (in_flight, retry_in) = match &state.fetch {
            Fetch::Idle => (false, None),
            Fetch::InFlight { .. } => (true, None),
            Fetch::BackingOff { until, .. } => (false, until.checked_duration_since(now).filter(|d| !d.is_zero())),
        };
        CacheStats {
            cached: self.current.load().is_some(),
            in_flight,
            fetches: state.fetches,
            failures: state.failures,
            consecutive_failures: state.consecutive_failures,
            retry_in,
            last_error: state.last_error.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FetchState<T>> {
        // The state stays consistent even if a holder panicked: every update is a plain store.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends a fetch that unwound, so that waiters are woken with an error instead of hanging.
struct FetchGuard<'a, T> {
    entry: &'a Entry<T>,
    clock: &'a dyn Clock,
    outcome: &'a Outcome<T>,
    finished: bool,
}

impl<T> Drop for FetchGuard<'_, T> {
    fn drop(&mut self) {
        if !self.finished {
            let error = Error::new(ErrorKind::Internal, "token fetch panicked");
            self.entry.finish(self.clock.now(), self.outcome, Err(error));
        }
    }
}
