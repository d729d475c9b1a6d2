//! The C entry points fed arbitrary bytes (cut at the first NUL, as C would pass them): as a
//! config, as stored token JSON, as params and as http options. No network: the client points
//! at a closed port and only offline calls are made.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use libfuzzer_sys::fuzz_target;
use oauthcc::ffi::*;

const CONFIG: &CStr =
    c"{\"client\":{\"id\":\"fuzz\",\"secret\":\"fuzz-secret\"},\"auth\":{\"tokenHost\":\"http://127.0.0.1:1\"}}";

fuzz_target!(|data: &[u8]| {
    let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let Ok(input) = CString::new(&data[..end]) else { return };
    unsafe {
        let mut client = ptr::null_mut();
        if oauthcc_client_new(input.as_ptr(), &mut client) == 0 {
            oauthcc_client_free(client);
        }
        let mut client = ptr::null_mut();
        assert_eq!(oauthcc_client_new(CONFIG.as_ptr(), &mut client), 0);

        let mut token = ptr::null_mut();
        if oauthcc_client_create_token(client, input.as_ptr(), &mut token) == 0 {
            let mut text: *mut c_char = ptr::null_mut();
            if oauthcc_token_to_json(token, &mut text) == 0 {
                oauthcc_string_free(text);
            }
            let mut access: *mut c_char = ptr::null_mut();
            if oauthcc_token_access_token(token, &mut access) == 0 {
                oauthcc_string_free(access);
            }
            let mut expired = false;
            oauthcc_token_expired(token, i64::from(data.first().copied().unwrap_or(0)), &mut expired);
            // A token type that is not one of the two is refused before any request.
            oauthcc_token_revoke(token, input.as_ptr(), input.as_ptr());
            oauthcc_token_free(token);
        }

        let mut stats: *mut c_char = ptr::null_mut();
        if oauthcc_client_cache_stats(client, input.as_ptr(), &mut stats) == 0 {
            oauthcc_string_free(stats);
        }
        let mut record: *mut c_char = ptr::null_mut();
        if oauthcc_last_error_json(&mut record) == 0 {
            oauthcc_string_free(record);
        }
        let _ = oauthcc_last_error_message();
        let _ = oauthcc_status_name(i32::from_le_bytes([data.first().copied().unwrap_or(0), 0, 0, 0]));
        oauthcc_client_free(client);
    }
});
