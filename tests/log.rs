//! The log sink: silent by default, leveled, and free of secrets. Its own process: the sink is
//! process-wide.

mod support;

use std::sync::{Arc, Mutex};

use oauthcc::log::{set_sink, Level};
use oauthcc::{ClientCredentials, HttpOptions};
use serde_json::{json, Map};
use support::{Reply, TestServer};

const SECRET: &str = "log-test-secret";

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
    let config = json!({
        "client": {"id": "svc", "secret": SECRET},
        "auth": {"tokenHost": server.url()},
        "transport": {"retry": {"initialDelay": 5}},
    });
    let client = ClientCredentials::from_json_str(&config.to_string()).unwrap();

    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    assert!(lines.lock().unwrap().is_empty(), "silent by default");

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
