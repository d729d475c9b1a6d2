//! The failure suite: a scripted misbehaving server drives each failure, and each ends with its
//! documented error within the deadline (plus a margin), with no secret in any error.

mod support;

use std::time::{Duration, Instant};

use oauthcc::{ClientCredentials, Error, ErrorKind, HttpOptions};
use serde_json::{json, Map, Value};
use support::config::{client_from, config_for, try_client, with_transport};
use support::{closed_port, Reply, TestServer};

const SECRET: &str = "failure-suite-secret";
const DEADLINE: Duration = Duration::from_millis(1500);
/// Scheduling slack on a loaded 2-core machine: a bound, never an expectation.
const MARGIN: Duration = Duration::from_secs(3);

fn client(url: &str) -> ClientCredentials {
    client_from(&config_for(
        url,
        json!({
            "client": {"secret": SECRET},
            "http": {"timeout": DEADLINE.as_millis() as u64},
            "transport": {"retry": {"maxAttempts": 3, "initialDelay": 10, "maxDelay": 50}},
        }),
    ))
}

/// Gets a token, checks the deadline held and no secret leaked, and returns the outcome.
fn fetch(url: &str) -> Result<oauthcc::AccessToken, Error> {
    let started = Instant::now();
    let outcome = client(url).get_token(&Map::new(), &HttpOptions::default());
    let elapsed = started.elapsed();
    assert!(elapsed < DEADLINE + MARGIN, "took {elapsed:?}, deadline {DEADLINE:?}");
    if let Err(error) = &outcome {
        let everything = format!("{error:?} {}", error.body().unwrap_or(""));
        assert!(!everything.contains(SECRET), "secret in error: {everything}");
    }
    outcome
}

fn failure(url: &str, kind: ErrorKind) -> Error {
    let error = fetch(url).unwrap_err();
    assert_eq!(error.kind(), kind, "{}", error.message());
    error
}

fn token_reply() -> Reply {
    Reply::json(200, json!({"access_token": "recovered", "expires_in": 60}))
}

#[test]
fn connection_refused_is_transport_and_retryable() {
    let error = failure(&format!("http://127.0.0.1:{}", closed_port()), ErrorKind::Transport);
    assert!(error.retryable());
}

#[test]
fn reset_before_the_response_is_retried_then_transport() {
    let server = TestServer::start(Reply::bytes(b"").then_reset());
    let error = failure(&server.url(), ErrorKind::Transport);
    assert!(error.retryable());
    assert_eq!(server.requests().len(), 3, "three attempts");
}

#[test]
fn reset_mid_body_is_transport() {
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"access_token\":\"par";
    let server = TestServer::start(Reply::bytes(head).then_reset());
    failure(&server.url(), ErrorKind::Transport);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn reset_then_success_recovers() {
    let server = TestServer::start(token_reply());
    server.push(Reply::bytes(b"").then_reset());
    assert_eq!(fetch(&server.url()).unwrap().access_token(), Some("recovered"));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn headers_that_never_end_time_out() {
    let server =
        TestServer::start(Reply::bytes(b"HTTP/1.1 200 OK\r\nX-Slow: 1\r\n").then_stall(Duration::from_secs(30)));
    failure(&server.url(), ErrorKind::Timeout);
}

#[test]
fn a_body_trickling_past_the_deadline_times_out() {
    let server = TestServer::start(token_reply().trickled(Duration::from_millis(100)));
    failure(&server.url(), ErrorKind::Timeout);
}

#[test]
fn a_10_mib_body_is_refused_without_retry() {
    let server = TestServer::start(Reply::raw(200, "application/json", vec![b'x'; 10 * 1024 * 1024]));
    let error = failure(&server.url(), ErrorKind::InvalidResponse);
    assert!(!error.retryable());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn invalid_utf8_is_an_invalid_response() {
    let server = TestServer::start(Reply::raw(200, "application/json", b"{\"access_token\":\"\xff\xfe\"}".to_vec()));
    failure(&server.url(), ErrorKind::InvalidResponse);
}

#[test]
fn truncated_json_is_an_invalid_response_without_the_fresh_token() {
    let server =
        TestServer::start(Reply::raw(200, "application/json", b"{\"access_token\":\"fresh-at-0123456789".to_vec()));
    let error = failure(&server.url(), ErrorKind::InvalidResponse);
    assert_eq!((error.http_status(), error.body()), (Some(200), None), "a 2xx body may hold the fresh token");
    assert!(!format!("{error:?}").contains("fresh-at"));
}

#[test]
fn an_html_502_is_retried_then_an_http_error() {
    let server = TestServer::start(Reply::raw(502, "text/html", b"<html><h1>502 Bad Gateway</h1></html>".to_vec()));
    let error = failure(&server.url(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(502));
    assert!(error.retryable());
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn status_429_honours_retry_after() {
    let server = TestServer::start(token_reply());
    server.push(Reply::json(429, json!({"error": "slow_down"})).header("Retry-After", "0"));
    assert_eq!(fetch(&server.url()).unwrap().access_token(), Some("recovered"));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn retry_after_as_an_http_date() {
    let server = TestServer::start(token_reply());
    server.push(Reply::json(503, json!({})).header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"));
    assert_eq!(fetch(&server.url()).unwrap().access_token(), Some("recovered"));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = TestServer::start(token_reply());
    server.push(
        Reply::json(429, json!({"error": "slow_down", "error_description": "later"})).header("Retry-After", "120"),
    );
    let error = failure(&server.url(), ErrorKind::OAuth);
    assert_eq!(error.http_status(), Some(429));
    assert!(error.retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn status_503_then_200_succeeds() {
    let server = TestServer::start(token_reply());
    server.push(Reply::raw(503, "text/plain", b"busy".to_vec()));
    assert_eq!(fetch(&server.url()).unwrap().access_token(), Some("recovered"));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn client_errors_are_never_retried() {
    let server = TestServer::start(Reply::json(401, json!({"error": "invalid_client"})));
    let error = failure(&server.url(), ErrorKind::OAuth);
    assert!(!error.retryable());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_302_to_another_host_is_not_followed() {
    let elsewhere = TestServer::start(token_reply());
    let server = TestServer::start(
        Reply::raw(302, "text/plain", vec![]).header("Location", &format!("{}/oauth/token", elsewhere.url())),
    );
    let error = failure(&server.url(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(302));
    assert!(!error.retryable());
    assert_eq!(server.requests().len(), 1);
    assert!(elsewhere.requests().is_empty(), "credentials never reach the redirect target");
}

#[test]
fn malformed_chunked_encoding_is_a_transport_error() {
    let raw =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n";
    let server = TestServer::start(Reply::bytes(raw));
    let error = failure(&server.url(), ErrorKind::Transport);
    assert!(!error.retryable(), "a protocol error is the server's nature, not its mood");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_with_the_way_out() {
    let config = |transport: Value| try_client(&with_transport("http://auth.example.com", transport));
    let error = config(json!({})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.message().contains("transport.allowInsecureHttp"), "{}", error.message());
    assert!(config(json!({"allowInsecureHttp": true})).is_ok());
    for local in ["http://localhost:8080", "http://127.0.0.2", "http://[::1]:9"] {
        assert!(try_client(&config_for(local, json!({}))).is_ok(), "{local}");
    }
}

#[test]
fn a_finite_deadline_applies_when_none_is_configured() {
    let server = TestServer::start(Reply::bytes(b"HTTP/1.1 200 OK\r\n").then_stall(Duration::from_secs(30)));
    let client = client_from(&with_transport(&server.url(), json!({"defaultTimeout": 300})));
    let started = Instant::now();
    let error = client.get_token(&Map::new(), &HttpOptions::default()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_millis(300) + MARGIN);
}
