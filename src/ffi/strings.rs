//! C strings: making them from messages, and freeing the ones the library hands out.

use std::ffi::{c_char, CString};

use super::boundary::guard_value;

/// C text for a message; an interior NUL (from a hostile server) is shown as "\0".
pub(super) fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Frees a string handed out by liboauthcc. NULL does nothing.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: every string handed out comes from `CString::into_raw` and is freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}
