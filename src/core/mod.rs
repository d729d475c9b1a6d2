//! The safe core: everything liboauthcc does, as a Rust library with no knowledge of C.
#![forbid(unsafe_code)]

pub mod client;
pub mod config;
mod credentials;
pub mod error;
mod json_fields;
pub mod request;
pub mod response;
mod secret;
pub mod token;
pub mod transport;

pub use client::{AccessToken, ClientCredentials, TokenType};
pub use config::{AuthorizationMethod, BodyFormat, Config, CredentialsEncoding, HttpOptions};
pub use error::{Error, ErrorKind, Result};
