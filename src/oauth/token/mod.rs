//! The token: every field the server sent, with `expires_at` read as a time (`TokenData`), and
//! the handle that refreshes and revokes it (`AccessToken`).

use serde_json::{Map, Value};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use zeroize::Zeroize;

mod access;

pub use access::{AccessToken, TokenType};

use super::error::{Error, ErrorKind, Result};

#[derive(Clone, PartialEq)]
pub struct TokenData {
    fields: Map<String, Value>,
    expires_at: Option<OffsetDateTime>,
}

impl TokenData {
    /// Reads `expires_at` (Unix seconds or an ISO 8601 date-time) or else `expires_in` (seconds
    /// from `now`); a value that is not a time is an error of `kind` naming the field.
    pub fn parse(fields: Map<String, Value>, now: OffsetDateTime, kind: ErrorKind) -> Result<Self> {
        check_credential_strings(&fields, kind)?;
        let expires_at = match (fields.get("expires_at"), fields.get("expires_in")) {
            (Some(at), _) if !at.is_null() => Some(
                parse_expires_at(at)
                    .ok_or_else(|| Error::new(kind, "expires_at is neither Unix seconds nor an ISO 8601 date-time"))?,
            ),
            (_, Some(seconds)) if !seconds.is_null() => Some(
                parse_expires_in(seconds)
                    .and_then(|s| now.checked_add(Duration::seconds(s)))
                    .ok_or_else(|| Error::new(kind, "expires_in is not a whole number of seconds"))?,
            ),
            _ => None,
        };
        Ok(TokenData { fields, expires_at })
    }

    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }

    pub fn string_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// True when `expires_at - (now + window) <= 0`; a token with no expiry never expires.
    pub fn expired_at(&self, now: OffsetDateTime, window_seconds: i64) -> bool {
        match self.expires_at {
            None => false,
            Some(at) => match now.checked_add(Duration::seconds(window_seconds)) {
                Some(limit) => at <= limit,
                // now + window is beyond any representable time: a huge positive window
                // expires everything, a huge negative one nothing.
                None => window_seconds > 0,
            },
        }
    }

    /// The fields with `expires_at` as an ISO 8601 UTC string with milliseconds.
    pub fn to_json(&self) -> Value {
        let mut fields = self.fields.clone();
        match self.expires_at {
            Some(at) => {
                fields.insert("expires_at".into(), Value::String(format_iso_millis(at)));
            }
            None => {
                fields.shift_remove("expires_at");
            }
        }
        Value::Object(fields)
    }

    /// The token a refresh answered, keeping this token's refresh_token when the answer has none.
    pub fn successor(&self, mut fields: Map<String, Value>, now: OffsetDateTime) -> Result<Self> {
        if !fields.contains_key("refresh_token") {
            if let Some(old) = self.fields.get("refresh_token") {
                fields.insert("refresh_token".into(), old.clone());
            }
        }
        Self::parse(fields, now, ErrorKind::InvalidResponse)
    }
}

/// The fields that end up in HTTP headers must be visible ASCII: a CR, LF or NUL in a token
/// would let a server inject headers into the caller's requests. The error never quotes them.
fn check_credential_strings(fields: &Map<String, Value>, kind: ErrorKind) -> Result<()> {
    for name in ["access_token", "refresh_token", "token_type"] {
        if let Some(Value::String(text)) = fields.get(name) {
            if !text.bytes().all(|b| (0x21..=0x7E).contains(&b)) {
                return Err(Error::new(
                    kind,
                    format!("{name} holds characters other than visible ASCII (0x21-0x7E), so it cannot be sent"),
                ));
            }
        }
    }
    Ok(())
}

fn parse_expires_at(value: &Value) -> Option<OffsetDateTime> {
    match value {
        Value::Number(n) => {
            let millis = (n.as_f64()? * 1000.0).round();
            // i64 nanoseconds cover ±292 years; beyond that no date is meant.
            if !millis.is_finite() || millis.abs() > 9.0e15 {
                return None;
            }
            OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000).ok()
        }
        Value::String(text) => parse_date_time(text.trim()),
        _ => None,
    }
}

/// RFC 3339, or ISO 8601 with or without an offset (none means UTC), or a bare date (midnight UTC).
fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .or_else(|_| PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc))
        .or_else(|_| {
            time::Date::parse(text, format_description!("[year]-[month]-[day]")).map(|d| d.midnight().assume_utc())
        })
        .ok()
}

/// A number, or a string of digits (optionally signed), as whole seconds (fractions dropped).
fn parse_expires_in(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.abs() < 1e15).map(|f| f.trunc() as i64)),
        Value::String(text) => text.trim().parse::<i64>().ok(),
        _ => None,
    }
}

pub fn format_iso_millis(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    utc.format(&format).unwrap_or_else(|_| utc.to_string())
}

impl Drop for TokenData {
    // The fields hold bearer and refresh tokens: wipe every string before the memory is reused.
    fn drop(&mut self) {
        self.fields.values_mut().for_each(wipe);
    }
}

fn wipe(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(object) => object.values_mut().for_each(wipe),
        _ => {}
    }
}

impl std::fmt::Debug for TokenData {
    // Field values hold the bearer and refresh tokens; show the field names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenData")
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("expires_at", &self.expires_at.map(format_iso_millis))
            .finish()
    }
}

#[cfg(test)]
mod tests;
