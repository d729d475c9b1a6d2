//! HTTP over ureq: one agent per client (connections kept alive across calls), TLS verified
//! against the system trust store or the configured CA bundle, a proxy chosen per request (never
//! for this machine), no redirects followed, response bodies capped, transient failures retried
//! within the request's deadline.

mod agent;
mod resolver;
mod tcp;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use ureq::Agent;

use super::config::{TransportSettings, LONGEST_TIMEOUT};
use super::error::{Error, ErrorKind, Result};
use super::fork;
use super::http::{parse_retry_after, status_is_retryable, DisplayUrl, HttpRequest, HttpResponse};
use super::log::{self, Level};
use super::random;
use resolver::SharedResolver;

/// Largest response body read; a larger one is an invalid response.
pub(crate) const RESPONSE_BODY_LIMIT: u64 = 1024 * 1024;

pub struct Transport {
    settings: TransportSettings,
    /// Shared by every agent of this transport (a forked child's too: lookups stay valid).
    resolver: SharedResolver,
    agent: ArcSwap<ForkLocalAgent>,
}

/// An agent and the fork generation it belongs to: a child never uses its parent's pool.
struct ForkLocalAgent {
    generation: u64,
    agent: Agent,
}

impl Transport {
    pub fn new(settings: TransportSettings) -> Self {
        let resolver = SharedResolver::default();
        let agent = ForkLocalAgent { generation: fork::generation(), agent: agent::build(&settings, &resolver) };
        Transport { settings, resolver, agent: ArcSwap::from_pointee(agent) }
    }

    /// This process's agent; after a fork, a new one (the parent's may hold locks and sockets).
    fn agent(&self) -> Agent {
        let current = self.agent.load();
        if current.generation == fork::generation() {
            return current.agent.clone();
        }
        let agent = agent::build(&self.settings, &self.resolver);
        let fresh = Arc::new(ForkLocalAgent { generation: fork::generation(), agent });
        self.agent.store(Arc::clone(&fresh));
        fresh.agent.clone()
    }

    /// Sends `request`, retrying transient failures (connect errors, resets, 429, 5xx) with
    /// back-off or the server's `Retry-After`, all within one deadline: the request's timeout,
    /// or the configured default (at most `LONGEST_TIMEOUT`).
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let target = DisplayUrl(&request.url);
        let timeout = request.timeout.unwrap_or(self.settings.default_timeout).min(LONGEST_TIMEOUT);
        let started = Instant::now();
        // Time left, by subtraction: no sum of an instant and a duration to overflow.
        let time_left = || timeout.saturating_sub(started.elapsed());
        let policy = self.settings.retry;
        let mut attempt = 1;
        loop {
            let remaining = time_left();
            if remaining.is_zero() {
                let message = format!("request to {target} timed out after {} ms", timeout.as_millis());
                return Err(Error::new(ErrorKind::Timeout, message).with_retry(true, None));
            }
            log::emit(Level::Debug, || format!("POST {target} (attempt {attempt})"));
            let outcome = self.send_once(request, target, remaining);
            let failure = match &outcome {
                Ok(response) if status_is_retryable(response.status) => {
                    Error::new(ErrorKind::Http, format!("{target} answered HTTP {}", response.status))
                        .with_retry(true, response.retry_after)
                }
                Ok(_) => return outcome,
                Err(error) if error.retryable() => error.clone(),
                Err(_) => return outcome,
            };
            if attempt >= policy.max_attempts {
                return outcome;
            }
            let wait = policy.delay(attempt, &failure, random::fraction());
            if wait >= time_left() {
                log::emit(Level::Warn, || {
                    format!("{} (no retry: waiting {} ms would pass the deadline)", failure.message(), wait.as_millis())
                });
                return outcome;
            }
            log::emit(Level::Warn, || format!("{}; retrying in {} ms", failure.message(), wait.as_millis()));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn send_once(&self, request: &HttpRequest, target: DisplayUrl<'_>, timeout: Duration) -> Result<HttpResponse> {
        let agent = self.agent();
        let proxy = self.settings.proxy.for_url(&request.url).cloned();
        let mut builder = agent.post(request.url.as_str()).config().timeout_global(Some(timeout)).proxy(proxy).build();
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = builder.send(&request.body[..]).map_err(|error| {
            if matches!(error, ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Io(_)) {
                self.resolver.0.forget_all();
            }
            transport_error(target, error)
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()));
        // Sized from Content-Length up front: no regrowing the buffer as the body arrives.
        let expected = response.body().content_length().unwrap_or(0).min(RESPONSE_BODY_LIMIT);
        let mut body = Vec::with_capacity(expected as usize);
        response
            .body_mut()
            .with_config()
            .limit(RESPONSE_BODY_LIMIT)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| transport_error(target, ureq::Error::from(e)))?;
        log::emit(Level::Debug, || format!("{target} answered HTTP {status} ({} bytes)", body.len()));
        Ok(HttpResponse { status, retry_after, body })
    }
}

fn transport_error(target: DisplayUrl<'_>, error: ureq::Error) -> Error {
    let retryable = is_transient(&error);
    let error = match error {
        ureq::Error::Timeout(which) => {
            Error::new(ErrorKind::Timeout, format!("request to {target} timed out ({which})"))
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Error::new(ErrorKind::Timeout, format!("request to {target} timed out: {io}"))
        }
        ureq::Error::BodyExceedsLimit(limit) => {
            Error::new(ErrorKind::InvalidResponse, format!("response from {target} is larger than {limit} bytes"))
        }
        other => Error::new(ErrorKind::Transport, format!("request to {target} failed: {other}")),
    };
    error.with_retry(retryable, None)
}

/// Network failures that another attempt may not meet: connect errors, resets, timeouts, DNS.
/// TLS, protocol and size errors are the server's nature, not its mood, and are final (rustls
/// reports a bad certificate as I/O of kind InvalidData).
fn is_transient(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::InvalidData,
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        _ => false,
    }
}
