"""Routes liboauthcc's diagnostics to a Python callable (process-wide; silent by default)."""

import ctypes
import enum
import threading
from typing import Callable, Optional

from ._native import LOG_FN, lib
from .errors import check


class LogLevel(enum.IntEnum):
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


_lock = threading.Lock()
_installed = None  # the ctypes callback must outlive its registration


def set_log_callback(callback: Optional[Callable[[LogLevel, str], None]], level: LogLevel = LogLevel.WARN) -> None:
    """Calls `callback(level, message)` for messages at `level` or more severe, from any thread.
    `None` silences the library again. Messages never contain the client secret or a token."""
    global _installed
    with _lock:
        if callback is None:
            check(lib.oauthcc_set_log_callback(LOG_FN(), int(level), None))  # a NULL callback
            _installed = None
            return

        def trampoline(raw_level, message, _user_data):
            try:
                callback(LogLevel(raw_level), message.decode("utf-8", "replace"))
            except Exception:  # an exception must not unwind into C
                pass

        installed = LOG_FN(trampoline)
        check(lib.oauthcc_set_log_callback(installed, int(level), None))
        _installed = installed
