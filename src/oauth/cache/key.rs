//! The cache key of a set of token params: the scope as a set (order and duplicates ignored)
//! and every other parameter, in key order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::oauth::error::{Error, Result};
use crate::oauth::request::Scope;

/// Largest cache key: params beyond it are refused for caching, so that hostile or runaway
/// params cannot fill memory through the cache.
pub(crate) const MAX_KEY_BYTES: usize = 8 * 1024;

pub fn cache_key(params: &Map<String, Value>, separator: &str) -> Result<String> {
    let mut canonical: BTreeMap<&str, Value> = BTreeMap::new();
    for (key, value) in params {
        if key == "scope" {
            canonical.insert("scope", Value::from(scope_set(value, separator)?.into_iter().collect::<Vec<_>>()));
        } else {
            canonical.insert(key, value.clone());
        }
    }
    let key = serde_json::to_string(&canonical)
        .map_err(|e| Error::invalid_argument(format!("params cannot be a cache key: {e}")))?;
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::invalid_argument(format!(
            "params are too large to cache ({} bytes as a cache key; at most {MAX_KEY_BYTES})",
            key.len()
        )));
    }
    Ok(key)
}

/// The scope as a set: a string is split on the separator (on white space when that is blank).
fn scope_set<'a>(scope: &'a Value, separator: &str) -> Result<BTreeSet<&'a str>> {
    Ok(match Scope::from_param(Some(scope))? {
        None => BTreeSet::new(),
        Some(Scope::List(list)) => list.into_iter().collect(),
        Some(Scope::Text(text)) if separator.trim().is_empty() => text.split_whitespace().collect(),
        Some(Scope::Text(text)) => text.split(separator).map(str::trim).filter(|s| !s.is_empty()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key(value: Value) -> String {
        cache_key(value.as_object().unwrap(), " ").unwrap()
    }

    #[test]
    fn scope_order_and_form_are_ignored() {
        let a = key(json!({"scope": ["read", "write"], "audience": "api"}));
        assert_eq!(a, key(json!({"audience": "api", "scope": "write  read"})));
        assert_eq!(a, key(json!({"scope": ["write", "read", "read"], "audience": "api"})));
    }

    #[test]
    fn other_params_matter() {
        assert_ne!(key(json!({"scope": "a", "audience": "x"})), key(json!({"scope": "a", "audience": "y"})));
        assert_ne!(key(json!({"scope": "a"})), key(json!({"scope": "a", "resource": "r"})));
        assert_ne!(key(json!({"scope": "a b"})), key(json!({"scope": "a"})));
    }

    #[test]
    fn custom_separator_splits_scope_strings() {
        let map = json!({"scope": "b,a"});
        let other = json!({"scope": ["a", "b"]});
        assert_eq!(
            cache_key(map.as_object().unwrap(), ",").unwrap(),
            cache_key(other.as_object().unwrap(), ",").unwrap()
        );
    }

    #[test]
    fn params_too_large_for_a_key_are_refused() {
        let near = "a".repeat(MAX_KEY_BYTES - 32);
        assert!(cache_key(json!({"audience": near}).as_object().unwrap(), " ").is_ok());
        let huge = "a".repeat(MAX_KEY_BYTES);
        let error = cache_key(json!({"audience": huge}).as_object().unwrap(), " ").unwrap_err();
        assert!(error.message().contains("too large to cache"), "{}", error.message());
    }

    #[test]
    fn bad_scope_is_an_argument_error() {
        assert!(cache_key(json!({"scope": 3}).as_object().unwrap(), " ").is_err());
    }
}
