//! Numbers from the wire or the configuration that would overflow clock arithmetic: a huge
//! `Retry-After` is capped at an hour, a huge timeout at a day, and neither panics.

mod support;

use std::time::Duration;

use oauthcc::{ClientCredentials, ErrorKind, HttpOptions};
use serde_json::{json, Map, Value};
use support::config::{client_from, config_for, with_transport};
use support::{Reply, TestServer};

const HOUR: Duration = Duration::from_secs(60 * 60);

fn client(url: &str, transport: Value) -> ClientCredentials {
    client_from(&with_transport(url, transport))
}

fn unavailable_retry_after(value: &str) -> Reply {
    Reply::json(503, json!({"message": "busy"})).header("Retry-After", value)
}

#[test]
fn a_retry_after_past_the_clock_is_capped_at_an_hour() {
    for value in ["18446744073709551615", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let server = TestServer::start(unavailable_retry_after(value));
        let error = client(&server.url(), json!({})).get_token(&Map::new(), &HttpOptions::default()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Http, "{}", error.message());
        assert!(error.retryable());
        assert_eq!(error.retry_after(), Some(HOUR), "Retry-After: {value}");
        assert_eq!(server.requests().len(), 1, "an hour is past the 30 s deadline: not waited for");
    }
}

#[test]
fn timeouts_up_to_u64_max_milliseconds_are_honoured_without_overflow() {
    let server = TestServer::token_server();
    let huge = json!({"defaultTimeout": u64::MAX, "connectTimeout": u64::MAX, "retry": {"maxDelay": u64::MAX}});
    let client = client(&server.url(), huge);
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    let per_call = HttpOptions::from_json(&json!({"timeout": u64::MAX})).unwrap();
    client.get_token(&Map::new(), &per_call).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn durations_up_to_duration_max_from_the_rust_api_do_not_overflow() {
    let server = TestServer::token_server();
    let mut config = oauthcc::Config::from_json(&config_for(&server.url(), json!({}))).unwrap();
    config.transport.default_timeout = Duration::MAX;
    config.transport.connect_timeout = Duration::MAX;
    let client = ClientCredentials::new(config);
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    let forever = HttpOptions { headers: Vec::new(), timeout: Some(Duration::MAX) };
    client.get_token(&Map::new(), &forever).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_huge_retry_after_within_a_huge_deadline_is_still_capped() {
    let server = TestServer::start(unavailable_retry_after("18446744073709551615"));
    let error = client(&server.url(), json!({"defaultTimeout": u64::MAX, "retry": {"maxAttempts": 1}}))
        .get_token(&Map::new(), &HttpOptions::default())
        .unwrap_err();
    assert_eq!(error.retry_after(), Some(HOUR));
    assert_eq!(server.requests().len(), 1);
}
