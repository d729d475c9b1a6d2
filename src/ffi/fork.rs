//! Tells the core about `fork()`: a child-side `pthread_atfork` handler, registered once.

use std::sync::Once;

use crate::oauth::fork::note_fork_in_child;

extern "C" fn in_child_after_fork() {
    note_fork_in_child();
}

/// Registers the handler on first use of the library.
pub fn register_fork_handler() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: the handler is a plain function that only does an atomic add, which is
        // async-signal-safe as the child handler must be. Registration can only fail with
        // ENOMEM, in which case fork awareness is lost but nothing else.
        unsafe { libc::pthread_atfork(None, None, Some(in_child_after_fork)) };
    });
}
