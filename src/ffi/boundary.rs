//! The panic boundary: no unwind ever crosses into C. A fallible body's error, or a caught
//! panic, becomes a status code and the calling thread's last-error record.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::last_error::record;
use super::status::{oauthcc_status, oauthcc_status_code};
use crate::core::{Error, ErrorKind};

/// Runs a fallible exported body: `Ok` is `OAUTHCC_OK`; an error or a panic is recorded and
/// its status returned.
pub fn guard(body: impl FnOnce() -> Result<(), Error>) -> oauthcc_status {
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return oauthcc_status_code::OAUTHCC_OK as oauthcc_status,
        Ok(Err(error)) => error,
        Err(payload) => panic_error(payload.as_ref()),
    };
    let status = oauthcc_status_code::from_kind(error.kind()) as oauthcc_status;
    record(error);
    status
}

/// Runs an infallible exported body (a getter, a `_free`): a panic yields `fallback`.
pub fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_error(payload: &(dyn std::any::Any + Send)) -> Error {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    Error::new(ErrorKind::Internal, format!("internal error in liboauthcc (a bug; please report it): {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_status() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, oauthcc_status_code::OAUTHCC_INTERNAL as i32);
        assert!(super::super::last_error::current_message().unwrap().contains("boom"));
    }

    #[test]
    fn an_error_becomes_its_status() {
        let status = guard(|| Err(Error::invalid_config("client is required")));
        assert_eq!(status, oauthcc_status_code::OAUTHCC_INVALID_CONFIG as i32);
    }

    #[test]
    fn guard_value_falls_back_on_panic() {
        assert_eq!(guard_value(7, || panic!("x")), 7);
    }
}
