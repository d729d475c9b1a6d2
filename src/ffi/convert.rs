//! Checked conversions between C arguments and Rust values. Every pointer passes through here.

use std::ffi::{c_char, CStr, CString};

use serde_json::{Map, Value};

use crate::oauth::{Error, ErrorKind, HttpOptions};

/// Borrows a handle, refusing NULL.
pub unsafe fn handle<'a, T>(pointer: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: non-NULL handles come from this library's `Box::into_raw` and live until `_free`.
    unsafe { pointer.as_ref() }.ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Checks an out-pointer and clears what it points to, so that an error leaves it NULL.
pub unsafe fn prepare_out<'a, T>(out: *mut *mut T, name: &str) -> Result<&'a mut *mut T, Error> {
    let slot = unsafe { out_value(out, name) }?;
    *slot = std::ptr::null_mut();
    Ok(slot)
}

/// Borrows an out-value (a plain `T *`, such as `bool *` or `size_t *`), refusing NULL.
/// Nothing is written here: what the caller finds there is up to the function.
pub unsafe fn out_value<'a, T>(out: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: the caller passes a writable, aligned `T` or NULL.
    unsafe { out.as_mut() }.ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Copies `text` and a NUL into the caller's `buffer` of `buffer_size` bytes. A NULL or too
/// small buffer is left untouched and refused with the size `what` needs.
pub unsafe fn copy_to_buffer(text: &str, buffer: *mut c_char, buffer_size: usize, what: &str) -> Result<(), Error> {
    let needed = text.len() + 1;
    if buffer.is_null() || buffer_size < needed {
        return Err(Error::invalid_argument(format!(
            "the buffer is too small: {what} needs {needed} bytes with its NUL"
        )));
    }
    // SAFETY: the caller passes `buffer_size` writable bytes, and they hold the text and its NUL.
    let target = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<u8>(), needed) };
    target[..text.len()].copy_from_slice(text.as_bytes());
    target[text.len()] = 0;
    Ok(())
}

/// Borrows a required NUL-terminated UTF-8 string.
pub unsafe fn required_str<'a>(text: *const c_char, name: &str) -> Result<&'a str, Error> {
    if text.is_null() {
        return Err(Error::invalid_argument(format!("{name} is NULL")));
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives this call.
    unsafe { CStr::from_ptr(text) }.to_str().map_err(|_| Error::invalid_argument(format!("{name} is not valid UTF-8")))
}

/// Parses a required JSON object argument.
pub unsafe fn required_object(text: *const c_char, name: &str) -> Result<Map<String, Value>, Error> {
    match parse_json(unsafe { required_str(text, name) }?, name)? {
        Value::Object(object) => Ok(object),
        _ => Err(Error::invalid_argument(format!("{name} must be a JSON object"))),
    }
}

/// Parses an optional JSON object argument; NULL is an empty object.
pub unsafe fn optional_object(text: *const c_char, name: &str) -> Result<Map<String, Value>, Error> {
    if text.is_null() {
        return Ok(Map::new());
    }
    unsafe { required_object(text, name) }
}

/// Parses optional per-call http options (`headers`, `timeout`); NULL means none.
pub unsafe fn optional_http_options(text: *const c_char) -> Result<HttpOptions, Error> {
    if text.is_null() {
        return Ok(HttpOptions::default());
    }
    HttpOptions::from_json(&parse_json(unsafe { required_str(text, "http_options_json") }?, "http_options_json")?)
}

fn parse_json(text: &str, name: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::invalid_argument(format!("{name} is not valid JSON: {e}")))
}

/// Hands a string to C, owned by the caller (freed with `oauthcc_string_free`).
pub fn out_string(slot: &mut *mut c_char, text: String) -> Result<(), Error> {
    let text = CString::new(text).map_err(|_| {
        Error::new(ErrorKind::InvalidResponse, "the value contains a NUL character and cannot be a C string")
    })?;
    *slot = text.into_raw();
    Ok(())
}

/// Hands a handle to C, owned by the caller (freed with its `_free`).
pub fn out_handle<T>(slot: &mut *mut T, value: T) {
    *slot = Box::into_raw(Box::new(value));
}

/// Frees a handle made by `out_handle`; NULL does nothing.
pub unsafe fn free_handle<T>(pointer: *mut T) {
    if !pointer.is_null() {
        // SAFETY: non-NULL pointers come from `out_handle` and are freed once, by contract.
        drop(unsafe { Box::from_raw(pointer) });
    }
}
