"""Loads liboauthcc and declares the argument and return types of every C function."""

import ctypes
import os
from pathlib import Path

STATUS = ctypes.c_int32
_HANDLE = ctypes.c_void_p
_OUT_HANDLE = ctypes.POINTER(ctypes.c_void_p)
# Owned strings come back as raw pointers so they can be handed to oauthcc_string_free.
_OUT_STRING = ctypes.POINTER(ctypes.c_void_p)
_TEXT = ctypes.c_char_p

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_char_p, ctypes.c_void_p)

_PROTOTYPES = {
    "oauthcc_client_new": (STATUS, [_TEXT, _OUT_HANDLE]),
    "oauthcc_client_free": (None, [_HANDLE]),
    "oauthcc_client_get_token": (STATUS, [_HANDLE, _TEXT, _TEXT, _OUT_HANDLE]),
    "oauthcc_client_create_token": (STATUS, [_HANDLE, _TEXT, _OUT_HANDLE]),
    "oauthcc_token_to_json": (STATUS, [_HANDLE, _OUT_STRING]),
    "oauthcc_token_access_token": (STATUS, [_HANDLE, _OUT_STRING]),
    "oauthcc_token_expired": (STATUS, [_HANDLE, ctypes.c_int64, ctypes.POINTER(ctypes.c_bool)]),
    "oauthcc_token_refresh": (STATUS, [_HANDLE, _TEXT, _TEXT, _OUT_HANDLE]),
    "oauthcc_token_revoke": (STATUS, [_HANDLE, _TEXT, _TEXT]),
    "oauthcc_token_revoke_all": (STATUS, [_HANDLE, _TEXT]),
    "oauthcc_token_free": (None, [_HANDLE]),
    "oauthcc_client_get_cached_token": (STATUS, [_HANDLE, _TEXT, _OUT_HANDLE]),
    "oauthcc_client_invalidate": (STATUS, [_HANDLE, _TEXT]),
    "oauthcc_client_cache_stats": (STATUS, [_HANDLE, _TEXT, _OUT_STRING]),
    "oauthcc_client_cache_slot": (STATUS, [_HANDLE, _TEXT, _OUT_HANDLE]),
    "oauthcc_cache_slot_bearer": (STATUS, [_HANDLE, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
    "oauthcc_cache_slot_token": (STATUS, [_HANDLE, _OUT_HANDLE]),
    "oauthcc_cache_slot_invalidate": (STATUS, [_HANDLE]),
    "oauthcc_cache_slot_free": (None, [_HANDLE]),
    "oauthcc_set_log_callback": (STATUS, [LOG_FN, ctypes.c_int32, ctypes.c_void_p]),
    "oauthcc_string_free": (None, [ctypes.c_void_p]),
    "oauthcc_last_error_json": (STATUS, [_OUT_STRING]),
    "oauthcc_last_error_message": (ctypes.c_char_p, []),
    "oauthcc_status_name": (ctypes.c_char_p, [STATUS]),
    "oauthcc_version": (ctypes.c_char_p, []),
}


def _library_path() -> str:
    override = os.environ.get("OAUTHCC_LIBRARY")
    if override:
        return override
    return str(Path(__file__).with_name("liboauthcc.so"))


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(_library_path())
    for name, (restype, argtypes) in _PROTOTYPES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


lib = _load()


def take_string(pointer: ctypes.c_void_p) -> str:
    """Copies an owned C string out and frees it."""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.oauthcc_string_free(pointer)
