//! The C ABI: converts pointers and C strings to core calls and core results to status codes,
//! handles and owned strings. Every exported body runs inside `boundary::guard`.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

mod boundary;
mod cache;
mod client;
mod convert;
mod fork;
mod last_error;
mod log;
mod status;
mod strings;
mod token;

pub use cache::*;
pub use client::*;
pub use last_error::*;
pub use log::*;
pub use status::*;
pub use strings::*;
pub use token::*;
