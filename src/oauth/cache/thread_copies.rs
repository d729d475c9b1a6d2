//! Per-thread copies of fresh bearer tokens for the hot path. Reading one touches nothing that
//! other threads write but an entry's version, which changes only when its token does; a shared
//! reference count or lock-free pointer would bounce one cache line between all reading cores.
//!
//! Each thread keeps at most `PER_THREAD` copies (wiped when replaced or when the thread ends).

use std::cell::RefCell;

use zeroize::Zeroizing;

use super::entry::{Cached, Entry};
use crate::oauth::clock::Moment;

const PER_THREAD: usize = 8;

struct BearerCopy {
    entry_id: u64,
    /// The entry's version when the copy was taken: any newer token makes the copy stale.
    version: u64,
    refresh_at: Moment,
    bearer: Zeroizing<String>,
}

thread_local! {
    static COPIES: RefCell<Vec<BearerCopy>> = const { RefCell::new(Vec::new()) };
}

/// Calls `read` with this thread's copy of `entry`'s bearer if the copy is of the current value
/// and that value is before its refresh point.
pub fn read_fresh<T, R>(entry: &Entry<T>, now: Moment, read: &mut impl FnMut(&str) -> R) -> Option<R> {
    let version = entry.version();
    COPIES
        .try_with(|copies| {
            let copies = copies.try_borrow().ok()?;
            let copy = copies
                .iter()
                .find(|c| c.entry_id == entry.id && c.version == version && now.is_before(c.refresh_at))?;
            Some(read(&copy.bearer))
        })
        .ok()
        .flatten()
}

/// Keeps a copy of `cached`, the value `entry` held at `version` (read before the value was, so
/// that a copy is never labelled newer than it is).
pub fn remember<T>(entry: &Entry<T>, version: u64, cached: &Cached<T>) {
    let _ = COPIES.try_with(|copies| {
        if let Ok(mut copies) = copies.try_borrow_mut() {
            copies.retain(|c| c.entry_id != entry.id);
            if copies.len() >= PER_THREAD {
                copies.remove(0);
            }
            copies.push(BearerCopy {
                entry_id: entry.id,
                version,
                refresh_at: cached.schedule.refresh_at,
                bearer: cached.bearer.clone(),
            });
        }
    });
}
