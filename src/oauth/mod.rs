//! The safe core: everything liboauthcc does, as a Rust library with no knowledge of C.
#![forbid(unsafe_code)]

pub mod cache;
pub mod client;
pub mod clock;
pub mod config;
mod credentials;
pub mod error;
pub mod fork;
mod json_fields;
pub mod log;
mod random;
mod redact;
pub mod request;
pub mod response;
mod secret;
pub mod token;
pub mod transport;

pub use cache::CacheStats;
pub use client::{AccessToken, CacheSlot, ClientCredentials, TokenType};
pub use clock::{Clock, ManualClock, Moment, SystemClock};
pub use config::{AuthorizationMethod, BodyFormat, Config, CredentialsEncoding, HttpOptions};
pub use error::{Error, ErrorKind, Result};
