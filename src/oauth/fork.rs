//! Fork awareness. After `fork()` the child has one thread, but locks held by the parent's other
//! threads stay locked and inherited keep-alive sockets are shared with the parent. State that
//! must not cross a fork remembers the generation it was made in and is rebuilt when it changes.
//!
//! The C library bumps the generation from a `pthread_atfork` child handler; a Rust program that
//! forks calls [`note_fork_in_child`] in the child.

use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The current fork generation: 0 in the first process, one more in each forked child.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// Call in the child right after `fork()` (async-signal-safe: one atomic add).
pub fn note_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}
