//! The calling thread's last error record, replaced by every failing call.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::ptr;

use serde_json::{json, Value};

use super::boundary::{guard, guard_value};
use super::convert::{out_string, prepare_out};
use super::status::{oauthcc_status, oauthcc_status_code};
use super::strings::c_text;
use crate::oauth::Error;

struct Record {
    error: Error,
    /// The message as C text, kept so `oauthcc_last_error_message` can lend it.
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Record>> = const { RefCell::new(None) };
}

/// Replaces this thread's record. Silently does nothing while the thread is being torn down.
pub fn record(error: Error) {
    let message = c_text(error.message());
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(Record { error, message }));
}

#[cfg(test)]
pub fn current_message() -> Option<String> {
    LAST_ERROR.with(|slot| slot.borrow().as_ref().map(|r| r.error.message().to_owned()))
}

pub(super) fn record_json(error: &Error) -> Value {
    let status = oauthcc_status_code::from_kind(error.kind());
    let oauth = error.oauth();
    json!({
        "status": status.name(),
        "message": error.message(),
        "http_status": error.http_status(),
        "error": oauth.map(|o| o.error.as_str()),
        "error_description": oauth.and_then(|o| o.error_description.as_deref()),
        "error_uri": oauth.and_then(|o| o.error_uri.as_deref()),
        "body": error.body(),
        "retryable": error.retryable(),
        "retry_after": error.retry_after().map(|d| d.as_secs_f64()),
    })
}

/// Hands out this thread's last error record as JSON: `status`, `message`, `http_status`,
/// `error`, `error_description`, `error_uri`, `body` (the first 4 KiB of the response body),
/// `retryable` (another attempt may succeed) and `retry_after` (seconds the server asked to wait,
/// or null). With no record, the JSON is `null`. Owned: free `*out_json` with `oauthcc_string_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_last_error_json(out_json: *mut *mut c_char) -> oauthcc_status {
    guard(|| {
        let out_json = unsafe { prepare_out(out_json, "out_json") }?;
        let json = LAST_ERROR.with(|slot| match slot.borrow().as_ref() {
            Some(record) => record_json(&record.error).to_string(),
            None => "null".to_owned(),
        });
        out_string(out_json, json)
    })
}

/// This thread's last error message, or NULL when there is none. Borrowed: valid until the next
/// liboauthcc call on this thread; never free it.
#[no_mangle]
pub extern "C-unwind" fn oauthcc_last_error_message() -> *const c_char {
    guard_value(ptr::null(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map_or(ptr::null(), |record| record.message.as_ptr()))
            .unwrap_or(ptr::null())
    })
}
