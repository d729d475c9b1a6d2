//! The log sink: silent by default, leveled, and free of secrets. Its own process: the sink is
//! process-wide.

mod support;

use std::process::Command;
use std::sync::{Arc, Mutex};

use oauthcc::log::{set_sink, Level};
use oauthcc::HttpOptions;
use serde_json::{json, Map};
use support::config::client_for;
use support::{Reply, TestServer};

const SECRET: &str = "log-test-secret";
/// Set for the child process of `without_a_sink_nothing_is_printed`.
const CHILD: &str = "OAUTHCC_LOG_TEST_CHILD";

/// Run by `without_a_sink_nothing_is_printed` in a child process, alone: calls that would log
/// at every level (a retried 503, two requests, a cached token) with no sink ever set.
#[test]
#[ignore = "a child of without_a_sink_nothing_is_printed"]
fn calls_that_would_log_without_a_sink() {
    if std::env::var_os(CHILD).is_none() {
        return; // Not in its own process: another test's sink would hear these calls.
    }
    let server = TestServer::start(Reply::json(200, json!({"access_token": "at", "expires_in": 60})));
    server.push(Reply::json(503, json!({"error": "temporarily_unavailable"})));
    let client = client_for(&server, json!({"transport": {"retry": {"initialDelay": 5}}}));
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    client.get_cached_token(&Map::new()).unwrap();
    assert_eq!(server.requests().len(), 3);
}

/// Silent by default means nothing on stderr or stdout, where a host's own output goes.
#[test]
fn without_a_sink_nothing_is_printed() {
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "calls_that_would_log_without_a_sink", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success() && stdout.contains("1 passed"), "{stdout}{stderr}");
    assert_eq!(stderr, "");
    let printed: Vec<&str> = stdout.lines().filter(|line| !is_test_harness_line(line)).collect();
    assert!(printed.is_empty(), "{printed:?}");
}

/// The lines the test harness itself prints for a run of one test.
fn is_test_harness_line(line: &str) -> bool {
    line.is_empty()
        || line == "running 1 test"
        || line.starts_with("test result: ")
        || (line.starts_with("test calls_that_would_log_without_a_sink ... ") && line.ends_with(" ok"))
}

#[test]
fn messages_by_level_and_never_a_secret() {
    let lines: Arc<Mutex<Vec<(Level, String)>>> = Arc::default();
    let server = TestServer::start(Reply::json(
        200,
        json!({"access_token": "tok-in-log-test", "refresh_token": "rt-in-log-test", "expires_in": 60}),
    ));
    server.push(Reply::json(
        503,
        json!({"error": "temporarily_unavailable", "error_description": format!("echo {SECRET}")}),
    ));
    let client =
        client_for(&server, json!({"client": {"secret": SECRET}, "transport": {"retry": {"initialDelay": 5}}}));

    // With no sink, a call that retries (WARN) and posts twice (DEBUG): its lines go nowhere, now
    // or later, so the sink installed next sees the next call's lines and no more.
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    let requests_before_the_sink = server.requests().len();

    let sink = lines.clone();
    set_sink(
        Level::Debug,
        Some(Box::new(move |level, message| sink.lock().unwrap().push((level, message.to_owned())))),
    );
    server.push(Reply::json(
        503,
        json!({"error": "temporarily_unavailable", "error_description": format!("echo {SECRET}")}),
    ));
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    client.get_cached_token(&Map::new()).unwrap();

    let captured = lines.lock().unwrap().clone();
    let posts = captured.iter().filter(|(l, m)| *l == Level::Debug && m.starts_with("POST ")).count();
    let retries = captured.iter().filter(|(l, m)| *l == Level::Warn && m.contains("retrying in")).count();
    assert_eq!(posts, server.requests().len() - requests_before_the_sink, "silent by default: {captured:?}");
    assert_eq!(retries, 1, "silent by default: only the second 503 is logged: {captured:?}");
    assert!(
        captured.iter().any(|(l, m)| *l == Level::Debug && m.starts_with("POST http://127.0.0.1:")),
        "{captured:?}"
    );
    assert!(captured.iter().any(|(l, m)| *l == Level::Warn && m.contains("HTTP 503; retrying in")), "{captured:?}");
    assert!(captured.iter().any(|(l, m)| *l == Level::Info && m.starts_with("cached a new token")), "{captured:?}");
    for (_, message) in &captured {
        for secret in [SECRET, "tok-in-log-test", "rt-in-log-test"] {
            assert!(!message.contains(secret), "{message}");
        }
    }

    set_sink(
        Level::Warn,
        Some(Box::new({
            let sink = lines.clone();
            move |level, message| sink.lock().unwrap().push((level, message.to_owned()))
        })),
    );
    let before = lines.lock().unwrap().len();
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    assert_eq!(lines.lock().unwrap().len(), before, "debug lines are below the Warn level");

    set_sink(Level::Debug, None);
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    assert_eq!(lines.lock().unwrap().len(), before, "silenced again");
}
