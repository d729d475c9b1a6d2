"""ClientCredentials and AccessToken: simple-oauth2's API over the liboauthcc C ABI."""

import ctypes
import json
import threading
import weakref
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, TypeVar, Union

from ._native import lib, take_string
from .errors import check

JSONObject = Dict[str, Any]
Result = TypeVar("Result")


class _Owned:
    """A C handle freed exactly once, never while a call is using it.

    `call` passes the pointer to a C function. close() stops new calls and frees the handle once
    the calls in flight have left: it waits for them, unless its own thread is one of them (a log
    callback closing the handle its call uses), in which case the last call out frees it.
    """

    def __init__(self, pointer: int, free: Callable[[int], None], what: str):
        self._pointer = pointer
        self._what = what
        self._closed = False
        # Threads inside a call, one entry per call. Appends and removes are atomic, so the hot
        # path takes no lock: a call registers before it checks `_closed`, close() sets `_closed`
        # before it looks here, so one of them always sees the other.
        self._callers: List[int] = []
        self._freed = threading.Lock()  # held until the handle is freed; close() waits on it
        self._freed.acquire()
        self._finalizer = weakref.finalize(self, free, pointer)
        # Never free at interpreter exit: the process is ending, and daemon threads may still be
        # inside calls on the handle.
        self._finalizer.atexit = False

    def call(self, function: Callable[..., Result], *args: Any) -> Result:
        """`function(pointer, *args)`, or ValueError once the handle is closed."""
        caller = threading.get_ident()
        self._callers.append(caller)
        try:
            if self._closed:
                raise ValueError(f"this {self._what} is closed")
            return function(self._pointer, *args)
        finally:
            self._callers.remove(caller)
            if self._closed and not self._callers:
                self._free()

    def close(self) -> None:
        self._closed = True
        if not self._callers:
            self._free()
        elif threading.get_ident() not in self._callers:
            with self._freed:  # the last call out frees the handle and releases this
                pass

    def _free(self) -> None:
        detached = self._finalizer.detach()  # atomic: only one thread gets the handle to free
        if detached is not None:
            _, free, (pointer,), _ = detached
            free(pointer)
            self._freed.release()


class _Closeable:
    """close() and the context manager, for the classes that own an `_Owned` handle."""

    _handle: _Owned

    def close(self) -> None:
        """Frees the handle once the calls other threads are making on it have returned; calls
        made afterwards raise ValueError. Closing twice is harmless."""
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _json_arg(value: Optional[Mapping[str, Any]]) -> Optional[bytes]:
    return None if value is None else json.dumps(value).encode()


def _new_token(handle: _Owned, function: Callable[..., int], *args: Any) -> "AccessToken":
    out = ctypes.c_void_p()
    check(handle.call(function, *args, ctypes.byref(out)))
    return AccessToken._adopt(out.value)


class ClientCredentials(_Closeable):
    """A client for the OAuth 2.0 Client Credentials grant, configured like simple-oauth2.

    Thread-safe: share one instance between threads. Free it with close() or a `with` block.
    """

    def __init__(self, config: Union[Mapping[str, Any], str]):
        text = config if isinstance(config, str) else json.dumps(config)
        out = ctypes.c_void_p()
        check(lib.oauthcc_client_new(text.encode(), ctypes.byref(out)))
        self._handle = _Owned(out.value, lib.oauthcc_client_free, "client")

    def get_token(self, params: Optional[Mapping[str, Any]] = None,
                  http_options: Optional[Mapping[str, Any]] = None) -> "AccessToken":
        """Requests a token. params: `scope` (str or list) and extra parameters; http_options:
        `headers` and `timeout` (ms)."""
        return _new_token(self._handle, lib.oauthcc_client_get_token, _json_arg(params), _json_arg(http_options))

    def create_token(self, token: Mapping[str, Any]) -> "AccessToken":
        """A token from stored JSON (such as to_json() returned); no request is made."""
        return _new_token(self._handle, lib.oauthcc_client_create_token, json.dumps(token).encode())

    def get_cached_token(self, params: Optional[Mapping[str, Any]] = None) -> "AccessToken":
        """The cached token for these params while it is valid, else a new one (one request per
        params however many threads ask; renewed ahead of expiry; see README "Token cache")."""
        return _new_token(self._handle, lib.oauthcc_client_get_cached_token, _json_arg(params))

    def invalidate(self, params: Optional[Mapping[str, Any]] = None) -> None:
        """Drops the cached token for these params (say, after a resource server answered 401)."""
        check(self._handle.call(lib.oauthcc_client_invalidate, _json_arg(params)))

    def cache_stats(self, params: Optional[Mapping[str, Any]] = None) -> JSONObject:
        """The cache's state for these params: cached, in_flight, fetches, failures, last_error..."""
        out = ctypes.c_void_p()
        check(self._handle.call(lib.oauthcc_client_cache_stats, _json_arg(params), ctypes.byref(out)))
        return json.loads(take_string(out))

    def cache_slot(self, params: Optional[Mapping[str, Any]] = None) -> "CacheSlot":
        """A slot for reading the cached bearer token for these params on a hot path."""
        out = ctypes.c_void_p()
        check(self._handle.call(lib.oauthcc_client_cache_slot, _json_arg(params), ctypes.byref(out)))
        return CacheSlot(out.value)


class CacheSlot(_Closeable):
    """One client's cached token for one set of params; `bearer()` is the cheap read."""

    _INITIAL_BUFFER = 2048

    def __init__(self, pointer: int):
        self._handle = _Owned(pointer, lib.oauthcc_cache_slot_free, "cache slot")
        self._buffer = ctypes.create_string_buffer(self._INITIAL_BUFFER)
        self._length = ctypes.c_size_t()

    def bearer(self) -> str:
        """The current bearer token (fetched or renewed when due). Not for sharing between threads:
        each thread makes its own slot."""
        status = self._handle.call(lib.oauthcc_cache_slot_bearer, self._buffer, len(self._buffer),
                                   ctypes.byref(self._length))
        if status != 0 and self._length.value >= len(self._buffer):
            self._buffer = ctypes.create_string_buffer(self._length.value + 1)
            return self.bearer()
        check(status)
        return self._buffer.raw[:self._length.value].decode()

    def token(self) -> "AccessToken":
        return _new_token(self._handle, lib.oauthcc_cache_slot_token)

    def invalidate(self) -> None:
        check(self._handle.call(lib.oauthcc_cache_slot_invalidate))


class AccessToken(_Closeable):
    """A token and what it needs to refresh or revoke itself (it outlives its client)."""

    def __init__(self):
        raise TypeError("tokens come from ClientCredentials.get_token or create_token")

    @classmethod
    def _adopt(cls, pointer: int) -> "AccessToken":
        token = cls.__new__(cls)
        token._handle = _Owned(pointer, lib.oauthcc_token_free, "token")
        return token

    def to_json(self) -> JSONObject:
        """The token as stored JSON: `expires_at` is an ISO 8601 UTC string with milliseconds."""
        out = ctypes.c_void_p()
        check(self._handle.call(lib.oauthcc_token_to_json, ctypes.byref(out)))
        return json.loads(take_string(out))

    @property
    def token(self) -> JSONObject:
        """Every field of the token; `expires_at` as a timezone-aware datetime when there is one."""
        fields = self.to_json()
        if "expires_at" in fields:
            fields["expires_at"] = _parse_utc(fields["expires_at"])
        return fields

    @property
    def access_token(self) -> str:
        out = ctypes.c_void_p()
        check(self._handle.call(lib.oauthcc_token_access_token, ctypes.byref(out)))
        return take_string(out)

    def expired(self, window: int = 0) -> bool:
        """True when the token expires within `window` seconds from now."""
        out = ctypes.c_bool()
        check(self._handle.call(lib.oauthcc_token_expired, int(window), ctypes.byref(out)))
        return out.value

    def refresh(self, params: Optional[Mapping[str, Any]] = None,
                http_options: Optional[Mapping[str, Any]] = None) -> "AccessToken":
        """A new token from the refresh_token grant; this token is unchanged."""
        return _new_token(self._handle, lib.oauthcc_token_refresh, _json_arg(params), _json_arg(http_options))

    def revoke(self, token_type: str, http_options: Optional[Mapping[str, Any]] = None) -> None:
        """Revokes "access_token" or "refresh_token" (RFC 7009)."""
        check(self._handle.call(lib.oauthcc_token_revoke, token_type.encode(), _json_arg(http_options)))

    def revoke_all(self, http_options: Optional[Mapping[str, Any]] = None) -> None:
        """Revokes the access token, then the refresh token if there is one."""
        check(self._handle.call(lib.oauthcc_token_revoke_all, _json_arg(http_options)))

    def __repr__(self) -> str:
        # Never the token values: they are credentials.
        return f"<AccessToken fields={sorted(self.to_json())}>"


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
