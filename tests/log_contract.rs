//! What a log sink may rely on: replacing it waits for its running calls, it may call back into
//! the library, a slow one holds nobody else back, and it never sees a secret. The sink is
//! process-wide, so the cases run one after another in this one test.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use oauthcc::log::{set_sink, Level};
use oauthcc::{ClientCredentials, HttpOptions};
use serde_json::{json, Map};
use support::config::client_for;
use support::{wait_until, Gate, Reply, TestServer};

const SECRET: &str = "log/secret+value=1";
const WATCHDOG: Duration = Duration::from_secs(30);

fn client(server: &TestServer, attempts: u32) -> ClientCredentials {
    client_for(
        server,
        json!({
            "client": {"secret": SECRET},
            "transport": {"retry": {"maxAttempts": attempts, "initialDelay": 1, "maxDelay": 2}},
        }),
    )
}

/// Runs `case` on its own thread; a hang is a failure, not a stuck test run.
fn within_watchdog(what: &str, case: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        case();
        let _ = done.send(());
    });
    finished.recv_timeout(WATCHDOG).unwrap_or_else(|_| panic!("{what}: hung (deadlock)"));
}

#[test]
fn log_sink_contract() {
    println!("replacing a sink waits for its running calls");
    a_replaced_sink_is_never_running_after_set_sink_returns();
    println!("a sink may call back into the library");
    within_watchdog("re-entrant sink", a_sink_may_call_the_library_for_the_same_params);
    println!("a slow sink holds back no other caller");
    within_watchdog("slow sink", a_slow_sink_does_not_hold_back_waiters);
    println!("log lines and cache stats carry no encoded secret");
    failed_renewal_logs_and_stats_are_scrubbed();
    set_sink(Level::Debug, None);
}

fn a_replaced_sink_is_never_running_after_set_sink_returns() {
    let server = TestServer::start(Reply::json(200, json!({"access_token": "at", "expires_in": 60})));
    let client = client(&server, 1);
    let stop = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let loggers: Vec<_> = (0..4)
        .map(|_| {
            let (client, stop) = (client.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
                }
            })
        })
        .collect();
    for round in 0..200 {
        let retired = Arc::new(AtomicBool::new(false));
        let (seen_retired, violations, calls) = (retired.clone(), violations.clone(), calls.clone());
        set_sink(
            Level::Debug,
            Some(Box::new(move |_, _| {
                calls.fetch_add(1, Ordering::Relaxed);
                if round % 10 == 0 {
                    thread::sleep(Duration::from_millis(1));
                }
                if seen_retired.load(Ordering::SeqCst) {
                    violations.fetch_add(1, Ordering::Relaxed);
                }
            })),
        );
        thread::sleep(Duration::from_micros(200));
        set_sink(Level::Debug, None);
        retired.store(true, Ordering::SeqCst);
    }
    stop.store(true, Ordering::Relaxed);
    loggers.into_iter().for_each(|t| t.join().unwrap());
    assert!(calls.load(Ordering::Relaxed) > 0, "the sinks were called");
    assert_eq!(violations.load(Ordering::Relaxed), 0, "a sink ran after it was replaced");
}

fn a_sink_may_call_the_library_for_the_same_params() {
    let server = TestServer::start(Reply::json(503, json!({"error": "temporarily_unavailable"})));
    let client = client(&server, 2);
    let reentered = Arc::new(AtomicUsize::new(0));
    set_sink(Level::Warn, {
        let (client, reentered) = (client.clone(), reentered.clone());
        Some(Box::new(move |_, _| {
            // From the retry's WARN (inside the fetch) and the failed renewal's WARN (after it).
            let _ = client.get_cached_token(&Map::new());
            let _ = client.cache_stats(&Map::new());
            reentered.fetch_add(1, Ordering::SeqCst);
        }))
    });
    assert!(client.get_cached_token(&Map::new()).is_err());
    set_sink(Level::Debug, None);
    assert!(reentered.load(Ordering::SeqCst) >= 2, "both WARN lines reached the sink");
    assert_eq!(client.cache_stats(&Map::new()).unwrap().failures, 1);
}

fn a_slow_sink_does_not_hold_back_waiters() {
    let gate = Gate::default();
    let server = TestServer::start(Reply::json(500, json!({"error": "server_error"})).held(&gate));
    let client = client(&server, 1);
    let (release, released) = mpsc::channel::<()>();
    let released = Mutex::new(released);
    set_sink(
        Level::Warn,
        Some(Box::new(move |_, _| {
            if thread::current().name() == Some("fetcher") {
                let _ = released.lock().unwrap().recv_timeout(WATCHDOG);
            }
        })),
    );
    let fetcher = thread::Builder::new()
        .name("fetcher".into())
        .spawn({
            let client = client.clone();
            move || client.get_cached_token(&Map::new()).map(|_| ())
        })
        .unwrap();
    wait_until("the fetch is in flight", || client.cache_stats(&Map::new()).unwrap().in_flight);
    let (waiter_done, waiter_result) = mpsc::channel();
    thread::spawn({
        let client = client.clone();
        move || waiter_done.send(client.get_cached_token(&Map::new()).map(|_| ())).unwrap()
    });
    gate.open();
    let shared = waiter_result.recv_timeout(WATCHDOG).expect("the waiter returned while the sink was blocked");
    assert!(shared.is_err(), "the waiter shares the failure");
    release.send(()).unwrap();
    assert!(fetcher.join().unwrap().is_err());
    set_sink(Level::Debug, None);
}

fn failed_renewal_logs_and_stats_are_scrubbed() {
    let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    let echo = format!(
        r#"{{"error":"invalid_client","error_description":"got client_secret={form} and {}"}}"#,
        SECRET.replace('/', "\\/")
    );
    let server = TestServer::start(Reply::raw(401, "application/json", echo.into_bytes()));
    let client = client(&server, 1);
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    set_sink(Level::Debug, {
        let lines = lines.clone();
        Some(Box::new(move |_, message| lines.lock().unwrap().push(message.to_owned())))
    });
    assert!(client.get_cached_token(&Map::new()).is_err());
    let stats = client.cache_stats(&Map::new()).unwrap();
    set_sink(Level::Debug, None);
    let last_error = stats.last_error.expect("the failure is recorded");
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|line| line.contains("token fetch failed")), "{lines:?}");
    let everything = format!("{lines:?} {last_error:?} {}", last_error.body().unwrap_or(""));
    for leaked in [SECRET, &form, &SECRET.replace('/', "\\/")] {
        assert!(!everything.contains(leaked), "{leaked} in {everything}");
    }
}
