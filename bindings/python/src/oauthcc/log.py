"""Routes liboauthcc's diagnostics to a Python callable (process-wide; silent by default)."""

import atexit
import enum
import threading
from typing import Callable, Optional, Tuple

from ._native import LOG_FN, lib
from .errors import check


class LogLevel(enum.IntEnum):
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


LogCallback = Callable[[LogLevel, str], None]

_setters = threading.Lock()
_listener: Tuple[Optional[LogCallback], LogLevel] = (None, LogLevel.WARN)
_delivering = threading.local()  # `depth`: log callbacks running on this thread
_exiting = False


def _deliver(raw_level: int, message: Optional[bytes], _user_data: Optional[int]) -> None:
    """The C callback: passes one line to the Python callback of the moment. Nothing may raise
    into C, not even at interpreter exit when this module's globals may already be gone."""
    try:
        callback, level = _listener
        if callback is None or raw_level > level:
            return
        _delivering.depth = getattr(_delivering, "depth", 0) + 1
        try:
            callback(LogLevel(raw_level), (message or b"").decode("utf-8", "replace"))
        finally:
            _delivering.depth -= 1
    except BaseException:  # SystemExit and KeyboardInterrupt too: C has no way to carry them
        pass


# One C callback for the life of the process: the library never holds a pointer that Python frees.
_TRAMPOLINE = LOG_FN(_deliver)
_NO_CALLBACK = LOG_FN()


def set_log_callback(callback: Optional[LogCallback], level: LogLevel = LogLevel.WARN) -> None:
    """Calls `callback(level, message)` for messages at `level` or more severe, from any thread.
    `None` silences the library again. Once this returns the previous callback is never called
    again. Not from inside a log callback (RuntimeError); ignored once the interpreter is exiting.
    Messages never contain the client secret or a token."""
    global _listener
    level = LogLevel(level)
    if getattr(_delivering, "depth", 0):
        # Another setter may be waiting in C for this very callback to return: it would never do.
        raise RuntimeError("set_log_callback cannot be called from a log callback")
    with _setters:
        if _exiting:
            return
        _listener = (callback, level)
        # The library returns only once no call of the callback it replaced is running, so no
        # thread is left inside the previous Python callback either.
        check(lib.oauthcc_set_log_callback(_NO_CALLBACK if callback is None else _TRAMPOLINE, int(level), None))


@atexit.register
def _silence_at_exit() -> None:
    """Stops log callbacks before the interpreter tears down: a daemon thread still inside a call
    would otherwise call into a finalizing interpreter and crash the process."""
    global _exiting, _listener
    with _setters:
        _exiting = True
        _listener = (None, LogLevel.ERROR)
        lib.oauthcc_set_log_callback(_NO_CALLBACK, int(LogLevel.ERROR), None)  # waits for running callbacks
