//! Diagnostics for the embedding program: one process-wide sink, silent by default. Messages
//! never carry a secret: they are made from what errors already say (redacted) and from URLs
//! without user info or query.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use once_cell::sync::Lazy;

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

struct Logger {
    max_level: Level,
    sink: Sink,
}

static LOGGER: Lazy<ArcSwapOption<Logger>> = Lazy::new(ArcSwapOption::empty);

/// Sends messages up to `max_level` to `sink`, from any thread; `None` silences the library.
pub fn set_sink(max_level: Level, sink: Option<Sink>) {
    LOGGER.store(sink.map(|sink| Arc::new(Logger { max_level, sink })));
}

/// Logs the message `make` builds, only if someone listens at `level`.
pub(crate) fn emit(level: Level, make: impl FnOnce() -> String) {
    if let Some(logger) = LOGGER.load().as_ref() {
        if level <= logger.max_level {
            (logger.sink)(level, &make());
        }
    }
}
