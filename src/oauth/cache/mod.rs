//! The token cache of a client: one entry per cache key, looked up without locks.

mod entry;
mod key;
pub mod policy;
pub mod thread_copies;

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

pub use entry::{CacheStats, Cached, Entry};
pub use key::cache_key;

use super::fork;

/// More distinct keys than this and the cache starts over (hostile or unbounded params).
const MAX_KEYS: usize = 1024;

pub struct TokenCache<T> {
    entries: ArcSwap<Entries<T>>,
}

/// The entries of one process: after a fork the child starts with none of its parent's.
struct Entries<T> {
    fork_generation: u64,
    by_key: HashMap<String, Arc<Entry<T>>>,
}

impl<T> TokenCache<T> {
    pub fn new() -> Self {
        TokenCache {
            entries: ArcSwap::from_pointee(Entries { fork_generation: fork::generation(), by_key: HashMap::new() }),
        }
    }

    /// The entry for `key` if this process has one; never makes one.
    pub fn find(&self, key: &str) -> Option<Arc<Entry<T>>> {
        let entries = self.entries.load();
        (entries.fork_generation == fork::generation()).then(|| entries.by_key.get(key).cloned()).flatten()
    }

    /// The entry for `key`, made on first use. Lock-free, so a forked child never waits on a
    /// lock its parent held.
    pub fn entry(&self, key: &str) -> Arc<Entry<T>> {
        let generation = fork::generation();
        if let Some(entry) = self.find(key) {
            return entry;
        }
        let fresh = Arc::new(Entry::new(generation));
        let previous = self.entries.rcu(|old| {
            let mut by_key = if old.fork_generation == generation { old.by_key.clone() } else { HashMap::new() };
            if by_key.len() >= MAX_KEYS && !by_key.contains_key(key) {
                by_key.clear();
            }
            by_key.entry(key.to_owned()).or_insert_with(|| Arc::clone(&fresh));
            Entries { fork_generation: generation, by_key }
        });
        // The map the update was made from decides: its entry for the key was kept, else ours went in.
        match previous.by_key.get(key).filter(|_| previous.fork_generation == generation) {
            Some(existing) => Arc::clone(existing),
            None => fresh,
        }
    }
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        Self::new()
    }
}
