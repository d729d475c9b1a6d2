//! `oauthcc_version`: the library's version string.

use std::ffi::c_char;

use super::boundary::guard_value;

/// The library version, "MAJOR.MINOR.PATCH". Borrowed, static: never free it.
#[no_mangle]
pub extern "C-unwind" fn oauthcc_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    guard_value(VERSION.as_ptr().cast(), || VERSION.as_ptr().cast())
}
