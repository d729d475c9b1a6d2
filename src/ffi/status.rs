//! Status codes: the return value of every fallible function.

use std::ffi::c_char;

use super::boundary::guard_value;
use crate::oauth::ErrorKind;

/// The return type of every fallible function: `OAUTHCC_OK` (0) or an `oauthcc_status_code`.
pub type oauthcc_status = i32;

/// The values an `oauthcc_status` takes. Details of a failure are in `oauthcc_last_error_json`.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum oauthcc_status_code {
    /// Success.
    OAUTHCC_OK = 0,
    /// A NULL, invalid UTF-8, malformed JSON or otherwise wrong argument.
    OAUTHCC_INVALID_ARGUMENT = 1,
    /// The configuration JSON is malformed or breaks a rule; the message names the key.
    OAUTHCC_INVALID_CONFIG = 2,
    /// DNS, connect, TLS or I/O failure: no HTTP answer was read.
    OAUTHCC_TRANSPORT = 3,
    /// The request did not complete within its timeout.
    OAUTHCC_TIMEOUT = 4,
    /// The server answered a non-success HTTP status without an RFC 6749 error body.
    OAUTHCC_HTTP_ERROR = 5,
    /// The server answered an RFC 6749 section 5.2 error (`error`, `error_description`, `error_uri`).
    OAUTHCC_OAUTH_ERROR = 6,
    /// A success status whose body is not a usable token (not JSON, not an object, too large, bad expiry).
    OAUTHCC_INVALID_RESPONSE = 7,
    /// A bug inside liboauthcc (a caught panic). Please report it.
    OAUTHCC_INTERNAL = 8,
}

use oauthcc_status_code::*;

/// Makes `ALL`, `from_kind` (an error kind's code) and `c_name` from the success code and the
/// error kinds with their codes.
macro_rules! status_lookups {
    (success: $success:ident, errors: { $($kind:ident => $code:ident),+ $(,)? }) => {
        const ALL: &[oauthcc_status_code] = &[$success, $($code),+];

        impl oauthcc_status_code {
            pub fn from_kind(kind: ErrorKind) -> Self {
                match kind {
                    $(ErrorKind::$kind => $code,)+
                }
            }

            /// The name as a NUL-terminated static string.
            fn c_name(self) -> &'static str {
                match self {
                    $success => concat!(stringify!($success), "\0"),
                    $($code => concat!(stringify!($code), "\0"),)+
                }
            }
        }
    };
}

// The codes' names and kinds, listed once. The enum above stays a plain item because cbindgen
// does not expand macros; the compiler holds this list to it (an exhaustive match on the codes)
// and to `ErrorKind` (an exhaustive match on the kinds).
status_lookups! {
    success: OAUTHCC_OK,
    errors: {
        InvalidArgument => OAUTHCC_INVALID_ARGUMENT,
        InvalidConfig => OAUTHCC_INVALID_CONFIG,
        Transport => OAUTHCC_TRANSPORT,
        Timeout => OAUTHCC_TIMEOUT,
        Http => OAUTHCC_HTTP_ERROR,
        OAuth => OAUTHCC_OAUTH_ERROR,
        InvalidResponse => OAUTHCC_INVALID_RESPONSE,
        Internal => OAUTHCC_INTERNAL,
    }
}

impl oauthcc_status_code {
    pub fn name(self) -> &'static str {
        self.c_name().trim_end_matches('\0')
    }
}

const UNKNOWN: &str = "OAUTHCC_UNKNOWN\0";

/// The constant's name for any integer, "OAUTHCC_UNKNOWN" for a value that is not a status.
/// Borrowed, static: never free it.
#[no_mangle]
pub extern "C-unwind" fn oauthcc_status_name(status: oauthcc_status) -> *const c_char {
    guard_value(UNKNOWN.as_ptr().cast(), || {
        let code = ALL.iter().find(|code| **code as i32 == status);
        code.map_or(UNKNOWN, |code| code.c_name()).as_ptr().cast()
    })
}
