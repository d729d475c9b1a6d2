//! Configuration parsing: any text is a config or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauthcc::{Config, HttpOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(config) = Config::from_json_str(text) {
            let _ = format!("{config:?}");
        }
        if let Ok(value) = serde_json::from_str(text) {
            let _ = HttpOptions::from_json(&value);
        }
    }
});
