//! The safe core: everything liboauthcc does, as a Rust library with no knowledge of C.
//!
//! Each layer imports only those above it in this list:
//! 1. foundations: error, json_fields, secret, redact, clock, random, backoff, fork, log;
//! 2. config (with the transport section: TLS files, proxies, retries), credentials;
//! 3. http (the wire request and answer, URL display, retryable statuses), request (building one);
//! 4. transport (sending it);
//! 5. response (reading an answer), session (what a client and its tokens share), token;
//! 6. cache (generic over what it caches);
//! 7. client.
#![forbid(unsafe_code)]

mod backoff;
pub mod cache;
pub mod client;
pub mod clock;
pub mod config;
mod credentials;
pub mod error;
pub mod fork;
pub mod http;
mod json_fields;
pub mod log;
mod random;
mod redact;
pub mod request;
pub mod response;
mod secret;
mod session;
pub mod token;
pub mod transport;

pub use cache::CacheStats;
pub use client::{CacheSlot, ClientCredentials};
pub use clock::{Clock, ManualClock, Moment, SystemClock};
pub use config::{AuthorizationMethod, BodyFormat, Config, CredentialsEncoding, HttpOptions};
pub use error::{Error, ErrorKind, Result};
pub use token::{AccessToken, TokenType};
