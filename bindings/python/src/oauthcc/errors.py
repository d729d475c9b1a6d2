"""The exception hierarchy: one class per liboauthcc status, carrying the last-error record."""

import builtins
import ctypes
import json
from typing import Optional

from ._native import lib, take_string


class OAuthccError(Exception):
    """A liboauthcc call failed. `status` is the status name; the rest comes from the error record:
    `http_status`, the RFC 6749 `error`, `error_description` and `error_uri`, `body`, `retryable`
    (another attempt may succeed) and `retry_after` (seconds the server asked to wait)."""

    def __init__(self, message: str, status: str = "OAUTHCC_UNKNOWN", http_status: Optional[int] = None,
                 error: Optional[str] = None, error_description: Optional[str] = None,
                 error_uri: Optional[str] = None, body: Optional[str] = None, retryable: bool = False,
                 retry_after: Optional[float] = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.http_status = http_status
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri
        self.body = body
        self.retryable = retryable
        self.retry_after = retry_after


class InvalidArgumentError(OAuthccError, ValueError):
    """A wrong argument: bad params, http options, token JSON or token type."""


class ConfigurationError(OAuthccError, ValueError):
    """The configuration object is malformed or breaks a rule; the message names the key."""


class TransportError(OAuthccError):
    """DNS, connect, TLS or I/O failure: no HTTP answer was read."""


class TimeoutError(TransportError, builtins.TimeoutError):
    """The request did not complete within its timeout."""


class HTTPError(OAuthccError):
    """The server answered a non-success status without an RFC 6749 error body."""


class OAuthError(HTTPError):
    """The server answered an RFC 6749 section 5.2 error; see `error` and `error_description`."""


class InvalidResponseError(OAuthccError):
    """A success status whose body is not a usable token."""


class InternalError(OAuthccError):
    """A bug inside liboauthcc."""


_BY_STATUS = {
    "OAUTHCC_INVALID_ARGUMENT": InvalidArgumentError,
    "OAUTHCC_INVALID_CONFIG": ConfigurationError,
    "OAUTHCC_TRANSPORT": TransportError,
    "OAUTHCC_TIMEOUT": TimeoutError,
    "OAUTHCC_HTTP_ERROR": HTTPError,
    "OAUTHCC_OAUTH_ERROR": OAuthError,
    "OAUTHCC_INVALID_RESPONSE": InvalidResponseError,
    "OAUTHCC_INTERNAL": InternalError,
}


def check(status: int) -> None:
    """Raises the exception for a failed call, built from this thread's error record."""
    if status == 0:
        return
    name = lib.oauthcc_status_name(status).decode()
    record = _last_error_record() or {}
    cls = _BY_STATUS.get(name, OAuthccError)
    raise cls(
        record.get("message") or name,
        status=name,
        http_status=record.get("http_status"),
        error=record.get("error"),
        error_description=record.get("error_description"),
        error_uri=record.get("error_uri"),
        body=record.get("body"),
        retryable=bool(record.get("retryable")),
        retry_after=record.get("retry_after"),
    )


def _last_error_record() -> Optional[dict]:
    pointer = ctypes.c_void_p()
    if lib.oauthcc_last_error_json(ctypes.byref(pointer)) != 0:
        return None
    return json.loads(take_string(pointer))
