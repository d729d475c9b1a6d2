//! `oauthcc_token_*`: reading, refreshing, revoking and freeing a token.

use std::ffi::c_char;

use super::boundary::{guard, guard_value};
use super::convert::{
    free_handle, handle, optional_http_options, optional_object, out_handle, out_string, out_value, prepare_out,
    required_str,
};
use super::status::oauthcc_status;
use crate::oauth::{AccessToken, Error, ErrorKind, TokenType};

/// A token. Immutable once made; it keeps what it needs of its client, so it stays usable after
/// `oauthcc_client_free`.
pub struct oauthcc_token {
    pub(super) inner: AccessToken,
}

/// Frees a token. NULL does nothing.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_free(token: *mut oauthcc_token) {
    guard_value((), || unsafe { free_handle(token) })
}

/// The token as JSON (every field the server sent; `expires_at` as an ISO 8601 UTC string with
/// milliseconds). Owned: free `*out_json` with `oauthcc_string_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_to_json(
    token: *const oauthcc_token,
    out_json: *mut *mut c_char,
) -> oauthcc_status {
    guard(|| {
        let out_json = unsafe { prepare_out(out_json, "out_json") }?;
        let token = unsafe { handle(token, "token") }?;
        out_string(out_json, token.inner.to_json().to_string())
    })
}

/// The `access_token` string. Owned: free `*out_access_token` with `oauthcc_string_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_access_token(
    token: *const oauthcc_token,
    out_access_token: *mut *mut c_char,
) -> oauthcc_status {
    guard(|| {
        let out = unsafe { prepare_out(out_access_token, "out_access_token") }?;
        let token = unsafe { handle(token, "token") }?;
        let access_token = token
            .inner
            .access_token()
            .ok_or_else(|| Error::new(ErrorKind::InvalidResponse, "the token has no access_token string"))?;
        out_string(out, access_token.to_owned())
    })
}

/// Whether the token expires within `window_seconds` from now. A token without an expiry never
/// expires. `*out_expired` is written only on success.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_expired(
    token: *const oauthcc_token,
    window_seconds: i64,
    out_expired: *mut bool,
) -> oauthcc_status {
    guard(|| {
        let out = unsafe { out_value(out_expired, "out_expired") }?;
        let token = unsafe { handle(token, "token") }?;
        *out = token.inner.expired(window_seconds);
        Ok(())
    })
}

/// Refreshes the token (refresh_token grant) into a new token; the old one is unchanged.
/// Owned: free `*out_token`, like the old token, with `oauthcc_token_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_refresh(
    token: *const oauthcc_token,
    params_json: *const c_char,
    http_options_json: *const c_char,
    out_token: *mut *mut oauthcc_token,
) -> oauthcc_status {
    guard(|| {
        let out_token = unsafe { prepare_out(out_token, "out_token") }?;
        let token = unsafe { handle(token, "token") }?;
        let params = unsafe { optional_object(params_json, "params_json") }?;
        let options = unsafe { optional_http_options(http_options_json) }?;
        out_handle(out_token, oauthcc_token { inner: token.inner.refresh(&params, &options)? });
        Ok(())
    })
}

/// Revokes the "access_token" or the "refresh_token" (RFC 7009).
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_revoke(
    token: *const oauthcc_token,
    token_type: *const c_char,
    http_options_json: *const c_char,
) -> oauthcc_status {
    guard(|| {
        let token = unsafe { handle(token, "token") }?;
        let token_type: TokenType = unsafe { required_str(token_type, "token_type") }?.parse()?;
        let options = unsafe { optional_http_options(http_options_json) }?;
        token.inner.revoke(token_type, &options)
    })
}

/// Revokes the access token, then the refresh token if there is one; stops at the first failure.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_token_revoke_all(
    token: *const oauthcc_token,
    http_options_json: *const c_char,
) -> oauthcc_status {
    guard(|| {
        let token = unsafe { handle(token, "token") }?;
        let options = unsafe { optional_http_options(http_options_json) }?;
        token.inner.revoke_all(&options)
    })
}
