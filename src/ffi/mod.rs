//! The C ABI: converts pointers and C strings to core calls and core results to status codes,
//! handles and owned strings. Every exported body runs inside `boundary::guard`.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

// The exported functions, in the order a reader of the header needs them: cbindgen writes them
// as it parses them, these modules as listed and each file top to bottom. (The comments also keep
// rustfmt from sorting the list.)
// Making a client, freeing it, getting tokens from it.
mod client;
// Freeing, reading, refreshing and revoking a token.
mod token;
// The token cache and its slots.
mod cache;
// The log callback.
mod log;
// The calling thread's error record.
mod last_error;
// Status codes and their names.
mod status;
// Freeing the strings handed out.
mod strings;
// The library version.
mod version;

// The machinery behind them.
mod boundary;
mod convert;
mod fork;

pub use cache::*;
pub use client::*;
pub use last_error::*;
pub use log::*;
pub use status::*;
pub use strings::*;
pub use token::*;
pub use version::*;
