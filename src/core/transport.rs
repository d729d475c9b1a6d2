//! HTTP over ureq: one agent per client (connections kept alive across calls), TLS verified
//! against the system trust store, no redirects followed, response bodies capped.

use std::sync::Arc;

use arc_swap::ArcSwap;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::Agent;

use super::error::{Error, ErrorKind, Result};
use super::fork;
use super::request::{display_url, HttpRequest};
use super::response::HttpResponse;

/// Largest response body read; a larger one is an invalid response.
pub(crate) const RESPONSE_BODY_LIMIT: u64 = 1024 * 1024;

pub struct Transport {
    agent: ArcSwap<ForkLocalAgent>,
}

/// An agent and the fork generation it belongs to: a child never uses its parent's pool.
struct ForkLocalAgent {
    generation: u64,
    agent: Agent,
}

impl ForkLocalAgent {
    fn new() -> Self {
        let tls = TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build();
        let agent = Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("liboauthcc/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        ForkLocalAgent { generation: fork::generation(), agent }
    }
}

impl Transport {
    pub fn new() -> Self {
        Transport { agent: ArcSwap::from_pointee(ForkLocalAgent::new()) }
    }

    /// This process's agent; after a fork, a new one (the parent's may hold locks and sockets).
    fn agent(&self) -> Agent {
        let current = self.agent.load();
        if current.generation == fork::generation() {
            return current.agent.clone();
        }
        let fresh = Arc::new(ForkLocalAgent::new());
        self.agent.store(Arc::clone(&fresh));
        fresh.agent.clone()
    }

    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let target = display_url(&request.url);
        let agent = self.agent();
        let mut builder = agent.post(request.url.as_str()).config().timeout_global(request.timeout).build();
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = builder.send(&request.body[..]).map_err(|e| transport_error(&target, e))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(RESPONSE_BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| transport_error(&target, e))?;
        Ok(HttpResponse { status, body })
    }
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

fn transport_error(target: &str, error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(which) => {
            Error::new(ErrorKind::Timeout, format!("request to {target} timed out ({which})"))
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Error::new(ErrorKind::Timeout, format!("request to {target} timed out: {io}"))
        }
        ureq::Error::BodyExceedsLimit(limit) => Error::new(
            ErrorKind::InvalidResponse,
            format!("response from {target} is larger than {limit} bytes"),
        ),
        other => Error::new(ErrorKind::Transport, format!("request to {target} failed: {other}")),
    }
}
