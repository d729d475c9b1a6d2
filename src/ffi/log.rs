//! `oauthcc_set_log_callback`: hands the library's diagnostics to the embedding program.

use std::ffi::{c_char, c_void};

use super::boundary::guard;
use super::status::oauthcc_status;
use super::strings::c_text;
use crate::oauth::log::{set_sink, Level};
use crate::oauth::Error;

/// Log levels: a callback gets messages at its level and the more severe ones.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum oauthcc_log_level {
    OAUTHCC_LOG_ERROR = 1,
    OAUTHCC_LOG_WARN = 2,
    OAUTHCC_LOG_INFO = 3,
    OAUTHCC_LOG_DEBUG = 4,
}

/// A log callback: the level, the message (valid during the call only) and the user data.
/// It may be called from any thread, several at once. It runs at the end of the library call
/// that logged, with no library lock held: it may call the library (even
/// `oauthcc_set_log_callback`), block without holding back other threads, or end its thread
/// (`pthread_exit`, cancellation); it must not throw a C++ exception.
pub type oauthcc_log_fn =
    Option<unsafe extern "C-unwind" fn(level: i32, message: *const c_char, user_data: *mut c_void)>;

/// The user data pointer, passed back untouched; the caller vouches it is usable from any thread.
struct UserData(*mut c_void);
// SAFETY: liboauthcc never dereferences the pointer; thread safety of what it points to is the
// caller's promise, stated in the header.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    // A method, so that closures capture the whole (Send) wrapper, not its raw field.
    fn pointer(&self) -> *mut c_void {
        self.0
    }
}

/// Sends the library's log messages up to `max_level` (an `oauthcc_log_level`) to `callback`,
/// process-wide. The library is silent by default and again after `callback` NULL. Messages never
/// contain the client secret or a token, in any encoding.
///
/// When this returns, the previous callback is never called again and no call of it is still
/// running on any thread (but the calling thread's own, when a callback replaces itself), so the
/// caller may free the previous `user_data` at once.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_set_log_callback(
    callback: oauthcc_log_fn,
    max_level: i32,
    user_data: *mut c_void,
) -> oauthcc_status {
    guard(|| {
        let level = Level::from_number(max_level)
            .ok_or_else(|| Error::invalid_argument("max_level must be an oauthcc_log_level (1 to 4)"))?;
        let Some(callback) = callback else {
            set_sink(level, None);
            return Ok(());
        };
        let user_data = UserData(user_data);
        set_sink(
            level,
            Some(Box::new(move |level: Level, message: &str| {
                let text = c_text(message);
                // SAFETY: the caller registered a function of this signature; the message lives
                // for the duration of the call, as documented.
                unsafe { callback(level as i32, text.as_ptr(), user_data.pointer()) };
            })),
        );
        Ok(())
    })
}
