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

pub struct TokenCache {
    entries: ArcSwap<Entries>,
}

/// The entries of one process: after a fork the child starts with none of its parent's.
#[derive(Default)]
struct Entries {
    fork_generation: u64,
    by_key: HashMap<String, Arc<Entry>>,
}

impl TokenCache {
    pub fn new() -> Self {
        TokenCache {
            entries: ArcSwap::from_pointee(Entries { fork_generation: fork::generation(), by_key: HashMap::new() }),
        }
    }

    /// The entry for `key` if this process has one; never makes one.
    pub fn find(&self, key: &str) -> Option<Arc<Entry>> {
        let entries = self.entries.load();
        (entries.fork_generation == fork::generation()).then(|| entries.by_key.get(key).cloned()).flatten()
    }

    /// The entry for `key`, made on first use.
    pub fn entry(&self, key: &str) -> Arc<Entry> {
        let generation = fork::generation();
        let entries = self.entries.load();
        if entries.fork_generation == generation {
            if let Some(entry) = entries.by_key.get(key) {
                return Arc::clone(entry);
            }
        }
        let mut found = None;
        self.entries.rcu(|old| {
            let mut by_key = if old.fork_generation == generation { old.by_key.clone() } else { HashMap::new() };
            if by_key.len() >= MAX_KEYS && !by_key.contains_key(key) {
                by_key.clear();
            }
            let entry = by_key.entry(key.to_owned()).or_insert_with(|| Arc::new(Entry::new(generation)));
            found = Some(Arc::clone(entry));
            Entries { fork_generation: generation, by_key }
        });
        found.unwrap_or_else(|| Arc::new(Entry::new(generation)))
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}
