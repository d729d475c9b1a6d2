//! Reads a JSON object key by key, naming the full key path in every error and rejecting the
//! keys nobody asked for, so that a typo in a config never goes unnoticed.

use std::ops::RangeInclusive;
use std::time::Duration;

use serde_json::{Map, Value};

use super::error::{Error, ErrorKind, Result};

pub struct Fields {
    path: String,
    map: Map<String, Value>,
    kind: ErrorKind,
}

impl Fields {
    /// `value` must be an object; `path` is its key path ("" for the root).
    pub fn new(value: &Value, path: &str, kind: ErrorKind) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Fields { path: path.to_owned(), map: map.clone(), kind }),
            other => {
                Err(Error::new(kind, format!("{} must be a JSON object, not {}", display_path(path), type_name(other))))
            }
        }
    }

    /// The kind of error this object's problems are (config or argument).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn error(&self, key: &str, why: &str) -> Error {
        Error::new(self.kind, format!("{} {why}", self.path_of(key)))
    }

    /// Removes and returns a key's value; JSON null counts as absent.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.map.shift_remove(key).filter(|v| !v.is_null())
    }

    pub fn take_string(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(key, &format!("must be a string, not {}", type_name(&other)))),
        }
    }

    pub fn require_string(&mut self, key: &str) -> Result<String> {
        self.take_string(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    pub fn take_object(&mut self, key: &str) -> Result<Option<Fields>> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => Fields::new(&value, &self.path_of(key), self.kind).map(Some),
        }
    }

    pub fn require_object(&mut self, key: &str) -> Result<Fields> {
        self.take_object(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    /// A whole number within `range`, or absent.
    pub fn take_whole_number(&mut self, key: &str, range: RangeInclusive<u64>) -> Result<Option<u64>> {
        self.take_u64(
            key,
            |n| range.contains(&n),
            || format!("must be a whole number from {} to {}", range.start(), range.end()),
        )
    }

    /// A positive whole number of milliseconds, or absent.
    pub fn take_millis(&mut self, key: &str) -> Result<Option<Duration>> {
        let ms = self.take_u64(key, |ms| ms > 0, || "must be a positive whole number of milliseconds".into())?;
        Ok(ms.map(Duration::from_millis))
    }

    /// A whole number of seconds within `range`, or absent.
    pub fn take_seconds(&mut self, key: &str, range: RangeInclusive<u64>) -> Result<Option<Duration>> {
        let seconds = self.take_u64(
            key,
            |s| range.contains(&s),
            || format!("must be a whole number of seconds from {} to {}", range.start(), range.end()),
        )?;
        Ok(seconds.map(Duration::from_secs))
    }

    /// A whole number that `accept`s, or absent; otherwise an error saying `why`.
    fn take_u64(&mut self, key: &str, accept: impl Fn(u64) -> bool, why: impl Fn() -> String) -> Result<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => match value.as_u64().filter(|n| accept(*n)) {
                Some(number) => Ok(Some(number)),
                None => Err(self.error(key, &why())),
            },
        }
    }

    pub fn take_bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(value)),
            Some(_) => Err(self.error(key, "must be true or false")),
        }
    }

    /// One of `choices`, or absent.
    pub fn take_choice(&mut self, key: &str, choices: &[&'static str]) -> Result<Option<&'static str>> {
        match self.take_string(key)? {
            None => Ok(None),
            Some(value) => match choices.iter().find(|c| **c == value) {
                Some(choice) => Ok(Some(choice)),
                None => Err(self.error(key, &format!("must be one of {}", quoted_list(choices)))),
            },
        }
    }

    /// Fails on the first key left over, naming it.
    pub fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(Error::new(self.kind, format!("{} is not a known key", self.path_of(key)))),
        }
    }

    pub fn into_entries(self) -> impl Iterator<Item = (String, Value)> {
        self.map.into_iter()
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "the value"
    } else {
        path
    }
}

fn quoted_list(choices: &[&str]) -> String {
    choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" or ")
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
