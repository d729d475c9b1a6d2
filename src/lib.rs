//! liboauthcc: an OAuth 2.0 Client Credentials client (RFC 6749 §4.4) with the configuration and
//! token semantics of simple-oauth2, usable from Rust (`oauth`) and from C (`ffi`).

pub mod ffi;
pub mod oauth;

pub use crate::oauth::*;
