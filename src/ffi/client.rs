//! `oauthcc_client_*`: making, using and freeing a client.

use std::ffi::c_char;

use super::boundary::{guard, guard_value};
use super::convert::{
    free_handle, handle, optional_http_options, optional_object, out_handle, prepare_out, required_object, required_str,
};
use super::fork::register_fork_handler;
use super::status::oauthcc_status;
use super::token::oauthcc_token;
use crate::oauth::{ClientCredentials, Config};

/// A configured client. Thread-safe: share one between any number of threads.
pub struct oauthcc_client {
    pub(super) inner: ClientCredentials,
}

/// Makes a client from a simple-oauth2 configuration object (JSON). On success `*out_client`
/// owns the client: free it with `oauthcc_client_free`. On failure it is NULL and the last error
/// names the wrong key.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_new(
    config_json: *const c_char,
    out_client: *mut *mut oauthcc_client,
) -> oauthcc_status {
    guard(|| {
        let out_client = unsafe { prepare_out(out_client, "out_client") }?;
        register_fork_handler();
        let text = unsafe { required_str(config_json, "config_json") }?;
        let config = Config::from_json_str(text)?;
        out_handle(out_client, oauthcc_client { inner: ClientCredentials::new(config) });
        Ok(())
    })
}

/// Frees a client. Tokens it made stay usable. NULL does nothing.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_free(client: *mut oauthcc_client) {
    guard_value((), || unsafe { free_handle(client) })
}

/// Requests a token (client_credentials grant). `params_json` (may be NULL): `scope` (string or
/// array of strings) and extra parameters. `http_options_json` (may be NULL): `headers`, `timeout`.
/// Owned: free `*out_token` with `oauthcc_token_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_get_token(
    client: *const oauthcc_client,
    params_json: *const c_char,
    http_options_json: *const c_char,
    out_token: *mut *mut oauthcc_token,
) -> oauthcc_status {
    guard(|| {
        let out_token = unsafe { prepare_out(out_token, "out_token") }?;
        let client = unsafe { handle(client, "client") }?;
        let params = unsafe { optional_object(params_json, "params_json") }?;
        let options = unsafe { optional_http_options(http_options_json) }?;
        let token = client.inner.get_token(&params, &options)?;
        out_handle(out_token, oauthcc_token { inner: token });
        Ok(())
    })
}

/// Makes a token from stored JSON (such as `oauthcc_token_to_json` wrote); no request is made.
/// Owned: free `*out_token` with `oauthcc_token_free`.
#[no_mangle]
pub unsafe extern "C-unwind" fn oauthcc_client_create_token(
    client: *const oauthcc_client,
    token_json: *const c_char,
    out_token: *mut *mut oauthcc_token,
) -> oauthcc_status {
    guard(|| {
        let out_token = unsafe { prepare_out(out_token, "out_token") }?;
        let client = unsafe { handle(client, "client") }?;
        let object = unsafe { required_object(token_json, "token_json") }?;
        out_handle(out_token, oauthcc_token { inner: client.inner.create_token(object)? });
        Ok(())
    })
}
