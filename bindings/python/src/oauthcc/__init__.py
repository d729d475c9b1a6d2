"""oauthcc: OAuth 2.0 Client Credentials with simple-oauth2 semantics, backed by liboauthcc."""

from ._native import lib as _lib
from .client import AccessToken, CacheSlot, ClientCredentials
from .log import LogLevel, set_log_callback
from .errors import (
    ConfigurationError,
    HTTPError,
    InternalError,
    InvalidArgumentError,
    InvalidResponseError,
    OAuthccError,
    OAuthError,
    TimeoutError,
    TransportError,
)

__version__ = _lib.oauthcc_version().decode()

__all__ = [
    "AccessToken",
    "CacheSlot",
    "ClientCredentials",
    "ConfigurationError",
    "HTTPError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "LogLevel",
    "OAuthccError",
    "OAuthError",
    "TimeoutError",
    "TransportError",
    "set_log_callback",
]
