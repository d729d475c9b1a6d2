//! `oauthcc_client_get_cached_token` and friends, and `oauthcc_cache_slot_*`: the token cache.

use std::ffi::c_char;

use serde_json::json;

use super::boundary::{guard, guard_nonblocking, guard_value};
use super::client::oauthcc_client;
use super::convert::{
    copy_to_buffer, free_handle, handle, optional_object, out_handle, out_string, out_value, prepare_out,
};
use super::last_error::record_json;
use super::status::oauthcc_status;
use super::token::oauthcc_token;
use crate::oauth::{CacheSlot, Error};

/// A client's cache entry for one set of params, for reading the bearer on a hot path.
/// Thread-safe; keeps its client alive.
pub struct oauthcc_cache_slot {
    inner: CacheSlot,
}

/// The cached token for `params_json` (may be NULL: no params) while it is valid, else a newly
/// fetched one. Scope order is ignored. However many threads ask at once, one request is made per
/// params; the others wait and share its token or its error. Once a token passes its refresh
/// point one caller renews it while the others keep the current one; if renewing fails, the
/// current token is served until it really expires, and fetches back off (1 s doubling to 60 s).
/// Owned: free `*out_token` with `oauthcc_token_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_get_cached_token(
    client: *const oauthcc_client,
    params_json: *const c_char,
    out_token: *mut *mut oauthcc_token,
) -> oauthcc_status {
    guard(|| {
        let out_token = unsafe { prepare_out(out_token, "out_token") }?;
        let client = unsafe { handle(client, "client") }?;
        let params = unsafe { optional_object(params_json, "params_json") }?;
        out_handle(out_token, oauthcc_token { inner: client.inner.get_cached_token(&params)? });
        Ok(())
    })
}

/// Drops the cached token for `params_json` (for example after a resource server answered 401),
/// so that the next call fetches a new one.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_invalidate(
    client: *const oauthcc_client,
    params_json: *const c_char,
) -> oauthcc_status {
    guard(|| {
        let client = unsafe { handle(client, "client") }?;
        client.inner.invalidate(&unsafe { optional_object(params_json, "params_json") }?)
    })
}

/// The cache's state for `params_json`, as JSON: `cached`, `in_flight`, `fetches`, `failures`,
/// `consecutive_failures`, `retry_in_ms` (null unless backing off) and `last_error` (the error
/// record of the last failed fetch, or null). Owned: free `*out_json` with `oauthcc_string_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_cache_stats(
    client: *const oauthcc_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
) -> oauthcc_status {
    guard(|| {
        let out_json = unsafe { prepare_out(out_json, "out_json") }?;
        let client = unsafe { handle(client, "client") }?;
        let stats = client.inner.cache_stats(&unsafe { optional_object(params_json, "params_json") }?)?;
        let json = json!({
            "cached": stats.cached,
            "in_flight": stats.in_flight,
            "fetches": stats.fetches,
            "failures": stats.failures,
            "consecutive_failures": stats.consecutive_failures,
            "retry_in_ms": stats.retry_in.map(|d| d.as_millis() as u64),
            "last_error": stats.last_error.as_ref().map(record_json),
        });
        out_string(out_json, json.to_string())
    })
}

/// A slot bound to `client` and `params_json`: parse the params once, then read the bearer with
/// `oauthcc_cache_slot_bearer` as often as needed. Owned: free `*out_slot` with
/// `oauthcc_cache_slot_free`; it keeps its client alive.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_cache_slot(
    client: *const oauthcc_client,
    params_json: *const c_char,
    out_slot: *mut *mut oauthcc_cache_slot,
) -> oauthcc_status {
    guard(|| {
        let out_slot = unsafe { prepare_out(out_slot, "out_slot") }?;
        let client = unsafe { handle(client, "client") }?;
        let params = unsafe { optional_object(params_json, "params_json") }?;
        out_handle(out_slot, oauthcc_cache_slot { inner: client.inner.cache_slot(&params)? });
        Ok(())
    })
}

/// Frees a slot. NULL does nothing.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_cache_slot_free(slot: *mut oauthcc_cache_slot) {
    guard_value((), || unsafe { free_handle(slot) })
}

/// Copies the current bearer token, NUL-terminated, into `buffer` (`buffer_size` bytes) and its
/// length (without the NUL) into `*out_length`. While the cached token is fresh, every read after
/// a thread's first takes no lock, allocates nothing and writes nothing shared; a token that is
/// missing or due is fetched as `oauthcc_client_get_cached_token` does. When
/// the buffer is too small the status is OAUTHCC_INVALID_ARGUMENT and `*out_length` says how
/// long the token is (`buffer` may be NULL with `buffer_size` 0 to ask).
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_cache_slot_bearer(
    slot: *const oauthcc_cache_slot,
    buffer: *mut c_char,
    buffer_size: usize,
    out_length: *mut usize,
) -> oauthcc_status {
    // The hot path first: a fresh token this thread has read before (no I/O, no lock, no log).
    let fresh = guard_nonblocking(|| {
        // A NULL argument takes the full call, which reports it.
        let (Ok(out_length), Ok(slot)) =
            (unsafe { out_value(out_length, "out_length") }, unsafe { handle(slot, "slot") })
        else {
            return None;
        };
        slot.inner.with_fresh_bearer(|bearer| unsafe { copy_bearer(bearer, buffer, buffer_size, out_length) })
    });
    if let Some(status) = fresh {
        return status;
    }
    guard(|| {
        let out_length = unsafe { out_value(out_length, "out_length") }?;
        let slot = unsafe { handle(slot, "slot") }?;
        slot.inner.with_bearer(|bearer| unsafe { copy_bearer(bearer, buffer, buffer_size, out_length) })?
    })
}

/// Tells the bearer's length (also when the buffer is too small, so the caller can ask), then
/// copies it into the caller's buffer.
unsafe fn copy_bearer(
    bearer: &str,
    buffer: *mut c_char,
    buffer_size: usize,
    out_length: &mut usize,
) -> Result<(), Error> {
    *out_length = bearer.len();
    unsafe { copy_to_buffer(bearer, buffer, buffer_size, "the bearer token") }
}

/// The slot's cached token as a token handle. Owned: free `*out_token` with `oauthcc_token_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_cache_slot_token(
    slot: *const oauthcc_cache_slot,
    out_token: *mut *mut oauthcc_token,
) -> oauthcc_status {
    guard(|| {
        let out_token = unsafe { prepare_out(out_token, "out_token") }?;
        let slot = unsafe { handle(slot, "slot") }?;
        out_handle(out_token, oauthcc_token { inner: slot.inner.token()? });
        Ok(())
    })
}

/// Drops the slot's cached token, so that the next read fetches a new one.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_cache_slot_invalidate(slot: *const oauthcc_cache_slot) -> oauthcc_status {
    guard(|| {
        unsafe { handle(slot, "slot") }?.inner.invalidate();
        Ok(())
    })
}
