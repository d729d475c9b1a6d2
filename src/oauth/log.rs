//! Diagnostics for the embedding program: one process-wide sink, silent by default. Messages
//! never carry a secret: they are made from what errors already say (scrubbed) and from URLs
//! without user info or query.
//!
//! Two promises make a sink safe to embed:
//! - `set_sink` returns only once the sink it replaced is no longer running on any thread (but
//!   the caller's own, when a sink replaces itself), and that sink is never called again; so
//!   whatever the old sink uses may be freed at once.
//! - Inside a `Deferral` (the C layer opens one per call) lines are held and delivered when it
//!   ends, after the call has let go of every lock: a sink may call back into the library, block,
//!   or end its thread without holding anyone else back. (A C callback that ends its thread
//!   unwinds through the frames that deliver lines; their destructors run, as rustc does for
//!   forced unwinds; a `longjmp` out of a callback is not supported.)

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwapOption;
use once_cell::sync::Lazy;

use super::fork;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl Level {
    pub fn from_number(level: i32) -> Option<Level> {
        [Level::Error, Level::Warn, Level::Info, Level::Debug].into_iter().find(|l| *l as i32 == level)
    }
}

pub type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

/// Lines held for one thread's deferral; more than this in one call and the rest are counted.
const DEFERRED_LINES_MAX: usize = 64;

struct Logger {
    id: u64,
    max_level: Level,
    sink: Sink,
    calls: Mutex<Calls>,
    idle: Condvar,
}

/// The running calls of one process: after a fork, the child counts its own (a call that was
/// running in the parent at the fork never ends in the child, which must not wait for it).
#[derive(Default)]
struct Calls {
    fork_generation: u64,
    running: usize,
    retired: bool,
}

static LOGGER: Lazy<ArcSwapOption<Logger>> = Lazy::new(ArcSwapOption::empty);

thread_local! {
    /// Ids of the loggers whose sink this thread is running (a sink may log, or replace itself).
    static RUNNING_HERE: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// Open deferrals on this thread, and the lines they hold.
    static DEFERRAL_DEPTH: Cell<u32> = const { Cell::new(0) };
    static DEFERRED: RefCell<Deferred> = const { RefCell::new(Deferred { lines: Vec::new(), dropped: 0 }) };
}

struct Deferred {
    lines: Vec<(Level, String)>,
    dropped: usize,
}

/// Sends messages up to `max_level` to `sink`, from any thread; `None` silences the library.
/// Returns once the replaced sink has finished every call (see the module's promises).
pub fn set_sink(max_level: Level, sink: Option<Sink>) {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let new = sink.map(|sink| {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Arc::new(Logger { id, max_level, sink, calls: Mutex::default(), idle: Condvar::new() })
    });
    if let Some(old) = LOGGER.swap(new) {
        old.retire();
    }
}

/// Logs the message `make` builds, only if someone listens at `level`.
pub(crate) fn emit(level: Level, make: impl FnOnce() -> String) {
    let listening = LOGGER.load().as_ref().is_some_and(|logger| level <= logger.max_level);
    if !listening {
        return;
    }
    if DEFERRAL_DEPTH.try_with(Cell::get).unwrap_or(0) > 0 {
        let _ = DEFERRED.try_with(|deferred| deferred.borrow_mut().hold(level, make()));
    } else {
        deliver(level, &make());
    }
}

/// Hands one line to the current sink, if it listens at `level`.
fn deliver(level: Level, message: &str) {
    let Some(logger) = LOGGER.load_full() else { return };
    if level > logger.max_level {
        return;
    }
    let Some(_call) = RunningCall::begin(&logger) else { return };
    (logger.sink)(level, message);
}

impl Deferred {
    fn hold(&mut self, level: Level, message: String) {
        if self.lines.len() < DEFERRED_LINES_MAX {
            self.lines.push((level, message));
        } else {
            self.dropped += 1;
        }
    }
}

/// Holds this thread's log lines until `end`; see the module's promises.
pub struct Deferral {
    ended: bool,
}

impl Deferral {
    pub fn begin() -> Self {
        let _ = DEFERRAL_DEPTH.try_with(|depth| depth.set(depth.get() + 1));
        Deferral { ended: false }
    }

    /// Delivers the lines held, outermost deferral first; lines logged by a sink that calls back
    /// into the library are delivered by that call's own deferral.
    pub fn end(mut self) {
        self.ended = true;
        if close_one_deferral() > 0 {
            return;
        }
        let Ok((lines, dropped)) = DEFERRED.try_with(|deferred| {
            let mut deferred = deferred.borrow_mut();
            (std::mem::take(&mut deferred.lines), std::mem::take(&mut deferred.dropped))
        }) else {
            return;
        };
        for (level, message) in lines {
            deliver(level, &message);
        }
        if dropped > 0 {
            deliver(Level::Warn, &format!("{dropped} more log lines of this call were dropped"));
        }
    }
}

impl Drop for Deferral {
    // Left without `end` (the thread is unwinding): the held lines are dropped with it.
    fn drop(&mut self) {
        if !self.ended && close_one_deferral() == 0 {
            let _ = DEFERRED.try_with(|deferred| {
                let mut deferred = deferred.borrow_mut();
                deferred.lines.clear();
                deferred.dropped = 0;
            });
        }
    }
}

/// Closes one deferral of this thread; returns how many stay open.
fn close_one_deferral() -> u32 {
    DEFERRAL_DEPTH
        .try_with(|depth| {
            let left = depth.get().saturating_sub(1);
            depth.set(left);
            left
        })
        .unwrap_or(0)
}

impl Logger {
    /// This process's count of running calls.
    fn lock(&self) -> MutexGuard<'_, Calls> {
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = fork::generation();
        if calls.fork_generation != generation {
            calls.fork_generation = generation;
            calls.running = 0;
        }
        calls
    }

    /// No new call starts; returns when every running call but this thread's own has ended.
    fn retire(&self) {
        let own = RUNNING_HERE.try_with(|ids| ids.borrow().iter().filter(|id| **id == self.id).count()).unwrap_or(0);
        let mut calls = self.lock();
        calls.retired = true;
        while calls.running > own {
            calls = self.idle.wait(calls).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// One call of a sink, counted so that `retire` can wait for it; ended even if the sink's
/// thread unwinds out of it (a C callback may call pthread_exit).
struct RunningCall<'a> {
    logger: &'a Logger,
    fork_generation: u64,
}

impl<'a> RunningCall<'a> {
    /// None once the logger is retired, or while this thread's locals are being torn down (the
    /// call could not be told apart from other threads' calls, and `retire` would wait for it).
    fn begin(logger: &'a Logger) -> Option<Self> {
        let mut calls = logger.lock();
        if calls.retired || RUNNING_HERE.try_with(|ids| ids.borrow_mut().push(logger.id)).is_err() {
            return None;
        }
        calls.running += 1;
        Some(RunningCall { logger, fork_generation: calls.fork_generation })
    }
}

impl Drop for RunningCall<'_> {
    fn drop(&mut self) {
        let _ = RUNNING_HERE.try_with(|ids| {
            let mut ids = ids.borrow_mut();
            if let Some(at) = ids.iter().rposition(|id| *id == self.logger.id) {
                ids.remove(at);
            }
        });
        let mut calls = self.logger.lock();
        if calls.fork_generation == self.fork_generation {
            calls.running -= 1;
        }
        drop(calls);
        self.logger.idle.notify_all();
    }
}
