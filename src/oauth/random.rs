//! A little randomness for jitter, from the standard library's randomly seeded hasher.

use std::hash::{BuildHasher, Hasher};

/// A number in [0, 1).
pub fn fraction() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
