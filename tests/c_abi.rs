//! The C entry points called as C calls them (`oauthcc::ffi`, raw pointers and NUL-terminated
//! strings), so that `cargo test` covers the ABI too: statuses, NULL out-pointers on failure, the
//! error record, owned strings and the caller's buffer. tests/c/test_ffi.c does the same from C.

mod support;

use std::ffi::{c_char, CStr, CString};
use std::ptr::{self, NonNull};

use oauthcc::ffi::oauthcc_status_code::{self, *};
use oauthcc::ffi::*;
use serde_json::{json, Value};
use support::config::config_for;
use support::{Reply, TestServer};

const OK: oauthcc_status = OAUTHCC_OK as oauthcc_status;

/// A handle the test owns, freed by its `_free` when dropped.
struct Handle<T> {
    pointer: *mut T,
    free: unsafe extern "C-unwind" fn(*mut T),
}

impl<T> Handle<T> {
    fn get(&self) -> *const T {
        self.pointer
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        // SAFETY: the library made this handle and handed it to this `Handle` alone.
        unsafe { (self.free)(self.pointer) }
    }
}

/// Calls `make` with an out-pointer: the handle it made, or the status it failed with, having
/// set the out-pointer to NULL as the header promises.
fn made<T>(
    free: unsafe extern "C-unwind" fn(*mut T),
    make: impl FnOnce(*mut *mut T) -> oauthcc_status,
) -> Result<Handle<T>, oauthcc_status> {
    // Not NULL, so that the check below sees the library clear it.
    let mut pointer = NonNull::dangling().as_ptr();
    match make(&mut pointer) {
        OK => Ok(Handle { pointer, free }),
        status => {
            assert!(pointer.is_null(), "status {status} left the out-pointer set");
            Err(status)
        }
    }
}

/// Calls `write` with a string out-pointer: a copy of the string it handed out (which is then
/// freed with `oauthcc_string_free`), or the status it failed with.
fn handed_out(write: impl FnOnce(*mut *mut c_char) -> oauthcc_status) -> Result<String, oauthcc_status> {
    let mut pointer = ptr::null_mut();
    let status = write(&mut pointer);
    if status != OK {
        assert!(pointer.is_null(), "status {status} left the out-pointer set");
        return Err(status);
    }
    // SAFETY: on success the library wrote a NUL-terminated string it no longer uses.
    let text = unsafe { CStr::from_ptr(pointer) }.to_str().expect("UTF-8").to_owned();
    // SAFETY: the caller's string, freed once, after it was copied.
    unsafe { oauthcc_string_free(pointer) };
    Ok(text)
}

/// A library-owned static string (a status name, the version).
fn borrowed(pointer: *const c_char) -> &'static str {
    assert!(!pointer.is_null());
    // SAFETY: the header promises static NUL-terminated strings here.
    unsafe { CStr::from_ptr(pointer) }.to_str().expect("UTF-8")
}

fn c_text(text: &str) -> CString {
    CString::new(text).expect("no NUL inside")
}

fn new_client(config_json: *const c_char) -> Result<Handle<oauthcc_client>, oauthcc_status> {
    // SAFETY: `config_json` is NULL or a live NUL-terminated string; the out-pointer is writable.
    made(oauthcc_client_free, |out| unsafe { oauthcc_client_new(config_json, out) })
}

/// The JSON text of a valid configuration, plus `extra`, for `server`.
fn config_text(server: &TestServer, extra: Value) -> CString {
    c_text(&config_for(&server.url(), extra).to_string())
}

fn client_of(server: &TestServer) -> Handle<oauthcc_client> {
    new_client(config_text(server, json!({})).as_ptr()).expect("a valid config")
}

fn get_token(client: &Handle<oauthcc_client>, params_json: &str) -> Result<Handle<oauthcc_token>, oauthcc_status> {
    let params_json = c_text(params_json);
    // SAFETY: a live client, a live string, NULL http options (allowed) and a writable out-pointer.
    made(oauthcc_token_free, |out| unsafe {
        oauthcc_client_get_token(client.get(), params_json.as_ptr(), ptr::null(), out)
    })
}

fn expired(token: &Handle<oauthcc_token>, window_seconds: i64) -> bool {
    let mut expired = false;
    // SAFETY: a live token and a writable bool.
    assert_eq!(unsafe { oauthcc_token_expired(token.get(), window_seconds, &mut expired) }, OK);
    expired
}

/// The calling thread's error record.
fn last_error() -> Value {
    // SAFETY: a writable out-pointer.
    let json = handed_out(|out| unsafe { oauthcc_last_error_json(out) }).expect("the record is readable");
    serde_json::from_str(&json).expect("the record is JSON")
}

fn status_name(status: oauthcc_status) -> &'static str {
    borrowed(oauthcc_status_name(status))
}

#[test]
fn client_new_takes_a_valid_config_only() {
    let server = TestServer::token_server();
    assert!(new_client(config_text(&server, json!({})).as_ptr()).is_ok());

    assert_eq!(new_client(ptr::null()).err(), Some(OAUTHCC_INVALID_ARGUMENT as oauthcc_status));
    assert_eq!(last_error()["message"], "config_json is NULL");

    let not_utf8 = CString::new(&b"{\"client\":{\"id\":\"\xff\xfe\"}}"[..]).unwrap();
    assert_eq!(new_client(not_utf8.as_ptr()).err(), Some(OAUTHCC_INVALID_ARGUMENT as oauthcc_status));
    assert_eq!(last_error()["message"], "config_json is not valid UTF-8");

    let status = new_client(config_text(&server, json!({"client": {"sekret": 1}})).as_ptr()).err();
    assert_eq!(status, Some(OAUTHCC_INVALID_CONFIG as oauthcc_status));
    assert_eq!(last_error()["message"], "client.sekret is not a known key");

    // SAFETY: a live config string; NULL for the out-pointer is the wrong argument under test.
    let status = unsafe { oauthcc_client_new(c_text("{}").as_ptr(), ptr::null_mut()) };
    assert_eq!(status, OAUTHCC_INVALID_ARGUMENT as oauthcc_status);
    assert!(server.requests().is_empty());
}

#[test]
fn get_token_hands_out_a_token_to_read() {
    let server = TestServer::token_server();
    let client = client_of(&server);
    let token = get_token(&client, r#"{"scope": ["read", "write"]}"#).unwrap();
    assert_eq!(server.requests()[0].body_text(), "grant_type=client_credentials&scope=read+write");

    // SAFETY: a live token and a writable out-pointer.
    let access = handed_out(|out| unsafe { oauthcc_token_access_token(token.get(), out) });
    assert_eq!(access.as_deref(), Ok("at-1"));
    // SAFETY: as above.
    let stored = handed_out(|out| unsafe { oauthcc_token_to_json(token.get(), out) }).unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["access_token"], "at-1");
    assert!(stored["expires_at"].as_str().unwrap().ends_with('Z'), "{stored}");
    assert!(!expired(&token, 0), "expires in an hour");
    assert!(expired(&token, 7200), "within two hours");

    drop(client);
    assert!(!expired(&token, 0), "a token outlives its client");
}

#[test]
fn a_failed_call_leaves_its_error_record() {
    let server =
        TestServer::start(Reply::json(401, json!({"error": "invalid_client", "error_description": "bad creds"})));
    let client = client_of(&server);
    assert_eq!(get_token(&client, "{}").err(), Some(OAUTHCC_OAUTH_ERROR as oauthcc_status));

    let record = last_error();
    assert_eq!(record["status"], "OAUTHCC_OAUTH_ERROR");
    assert_eq!(record["message"], "token endpoint answered 401 invalid_client: bad creds");
    assert_eq!(record["http_status"], 401);
    assert_eq!(record["error"], "invalid_client");
    assert_eq!(borrowed(oauthcc_last_error_message()), record["message"], "the message, borrowed");
}

#[test]
fn a_slot_copies_the_bearer_into_a_buffer_large_enough() {
    let server = TestServer::token_server();
    let client = client_of(&server);
    // SAFETY: a live client, NULL params (allowed) and a writable out-pointer.
    let slot =
        made(oauthcc_cache_slot_free, |out| unsafe { oauthcc_client_cache_slot(client.get(), ptr::null(), out) })
            .unwrap();
    let bearer = |buffer: &mut [u8], length: &mut usize| {
        // SAFETY: a live slot, and a buffer writable for exactly the size given.
        unsafe { oauthcc_cache_slot_bearer(slot.get(), buffer.as_mut_ptr().cast(), buffer.len(), length) }
    };

    let mut length = 0;
    // SAFETY: a live slot; NULL with size 0 asks for the length.
    let status = unsafe { oauthcc_cache_slot_bearer(slot.get(), ptr::null_mut(), 0, &mut length) };
    assert_eq!(status, OAUTHCC_INVALID_ARGUMENT as oauthcc_status);
    assert_eq!(length, "at-1".len());
    let mut no_room_for_the_nul = vec![0; length];
    assert_eq!(bearer(&mut no_room_for_the_nul, &mut length), OAUTHCC_INVALID_ARGUMENT as oauthcc_status);
    assert!(last_error()["message"].as_str().unwrap().contains("buffer is too small"));

    let mut buffer = vec![0xff; length + 1];
    assert_eq!(bearer(&mut buffer, &mut length), OK);
    assert_eq!((&buffer[..], length), (&b"at-1\0"[..], 4));
    assert_eq!(server.requests().len(), 1, "one fetch for every read");
}

#[test]
fn freeing_null_does_nothing() {
    assert!(new_client(ptr::null()).is_err());
    let before = last_error();
    // SAFETY: every _free accepts NULL.
    unsafe {
        oauthcc_string_free(ptr::null_mut());
        oauthcc_client_free(ptr::null_mut());
        oauthcc_token_free(ptr::null_mut());
        oauthcc_cache_slot_free(ptr::null_mut());
    }
    assert_eq!(last_error(), before, "no record made or cleared");
}

const EVERY_STATUS: [oauthcc_status_code; 9] = [
    OAUTHCC_OK,
    OAUTHCC_INVALID_ARGUMENT,
    OAUTHCC_INVALID_CONFIG,
    OAUTHCC_TRANSPORT,
    OAUTHCC_TIMEOUT,
    OAUTHCC_HTTP_ERROR,
    OAUTHCC_OAUTH_ERROR,
    OAUTHCC_INVALID_RESPONSE,
    OAUTHCC_INTERNAL,
];

#[test]
fn every_status_is_named_after_its_constant() {
    for code in EVERY_STATUS {
        assert_eq!(status_name(code as oauthcc_status), format!("{code:?}"));
    }
    let named = (0..).take_while(|status| status_name(*status) != "OAUTHCC_UNKNOWN").count();
    assert_eq!(named, EVERY_STATUS.len(), "a status this test does not list");
    for unknown in [-1, EVERY_STATUS.len() as oauthcc_status, oauthcc_status::MIN, oauthcc_status::MAX] {
        assert_eq!(status_name(unknown), "OAUTHCC_UNKNOWN", "{unknown}");
    }
}

#[test]
fn version_is_the_crates() {
    assert_eq!(borrowed(oauthcc_version()), env!("CARGO_PKG_VERSION"));
}
