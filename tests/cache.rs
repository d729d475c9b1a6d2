//! The token cache against an in-process server that counts requests, on a manual clock.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use oauthcc::{ClientCredentials, Config, ErrorKind, ManualClock};
use serde_json::{json, Map, Value};
use support::config::{config_for, merge, object};
use support::{wait_until, Gate, Reply, TestServer};

fn cached_client(server: &TestServer, cache: Value) -> (ClientCredentials, Arc<ManualClock>) {
    // One attempt per fetch, so that requests count fetches (retries are tested in failures.rs).
    let config = config_for(&server.url(), json!({"cache": cache, "transport": {"retry": {"maxAttempts": 1}}}));
    let clock = Arc::new(ManualClock::new());
    (ClientCredentials::with_clock(Config::from_json(&config).unwrap(), clock.clone()), clock)
}

fn token(access: &str, expires_in: u64) -> Reply {
    Reply::json(200, json!({"access_token": access, "token_type": "bearer", "expires_in": expires_in}))
}

fn bearer(client: &ClientCredentials, p: &Value) -> Result<String, oauthcc::Error> {
    client.get_cached_token(&object(p.clone())).map(|t| t.access_token().unwrap().to_owned())
}

/// Runs `f` on `threads` threads released together, returning what each got.
fn all_at_once<T: Send + 'static>(threads: usize, f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(threads));
    let f = Arc::new(f);
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (barrier, f) = (barrier.clone(), f.clone());
            thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn sixty_four_threads_make_one_fetch_per_key_per_expiry() {
    let gate = Gate::default();
    let server = TestServer::start(token("at-1", 3600).held(&gate));
    let (client, clock) = cached_client(&server, json!({}));

    let opener = {
        let (gate, requests) = (gate.clone(), Arc::new(server));
        let server = requests.clone();
        thread::spawn(move || {
            wait_until("the first fetch", || server.requests().len() == 1);
            gate.open();
            server
        })
    };
    let c = client.clone();
    let got = all_at_once(64, move |_| bearer(&c, &json!({"scope": ["read", "write"]})));
    let server = opener.join().unwrap();
    assert!(got.iter().all(|r| r.as_deref() == Ok("at-1")));
    assert_eq!(server.requests().len(), 1, "single flight: one request for 64 callers");

    // Same scope set in another order and form: same key, no request.
    let c = client.clone();
    let got = all_at_once(64, move |i| {
        bearer(&c, &if i % 2 == 0 { json!({"scope": "write read"}) } else { json!({"scope": ["write", "read"]}) })
    });
    assert!(got.iter().all(|r| r.as_deref() == Ok("at-1")));
    assert_eq!(server.requests().len(), 1);

    // Another audience is another key: one more request.
    let c = client.clone();
    all_at_once(64, move |_| bearer(&c, &json!({"scope": "read", "audience": "other"})).unwrap());
    assert_eq!(server.requests().len(), 2);
    assert!(server.requests()[1].body_text().contains("audience=other"));

    // Past expiry: exactly one more request for the first key.
    clock.advance(Duration::from_secs(3600));
    let c = client.clone();
    all_at_once(64, move |_| bearer(&c, &json!({"scope": ["read", "write"]})).unwrap());
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn an_error_reaches_every_waiter_and_is_not_cached_as_a_token() {
    let gate = Gate::default();
    let server = Arc::new(TestServer::start(Reply::json(503, json!({"error": "temporarily_unavailable"})).held(&gate)));
    let (client, clock) = cached_client(&server, json!({}));
    let watcher = {
        let server = server.clone();
        thread::spawn(move || {
            wait_until("the failing fetch", || server.requests().len() == 1);
            gate.open();
        })
    };
    let c = client.clone();
    let got = all_at_once(64, move |_| bearer(&c, &json!({})));
    watcher.join().unwrap();
    for result in &got {
        let error = result.as_ref().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OAuth);
        assert_eq!(error.oauth().unwrap().error, "temporarily_unavailable");
    }
    assert_eq!(server.requests().len(), 1, "waiters share the one failed fetch, then back off");

    // The server recovers; once the back-off has passed, a real token is fetched.
    server.push(token("at-ok", 3600));
    clock.advance(Duration::from_secs(2));
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-ok");
}

#[test]
fn refresh_ahead_serves_the_old_token_while_one_caller_renews() {
    let server = Arc::new(TestServer::start(token("at-1", 100)));
    let (client, clock) = cached_client(&server, json!({"expiryWindowSeconds": 10}));
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1");

    clock.advance(Duration::from_secs(85)); // past the refresh point (≤ 80 s), before 90 s
    let gate = Gate::default();
    server.push(token("at-2", 100).held(&gate));
    let renewer = {
        let client = client.clone();
        thread::spawn(move || bearer(&client, &json!({})))
    };
    wait_until("the renewal request", || server.requests().len() == 2);

    let (sender, receiver) = mpsc::channel();
    let reader = {
        let client = client.clone();
        thread::spawn(move || sender.send(bearer(&client, &json!({}))).unwrap())
    };
    let meanwhile = receiver.recv_timeout(Duration::from_secs(10)).expect("a reader must not wait for the renewal");
    assert_eq!(meanwhile.unwrap(), "at-1");
    assert_eq!(server.requests().len(), 2, "only the renewer asked");

    gate.open();
    assert_eq!(renewer.join().unwrap().unwrap(), "at-2");
    reader.join().unwrap();
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-2");
}

#[test]
fn stale_if_error_keeps_a_valid_token_and_records_the_failure() {
    let server = TestServer::start(Reply::json(503, json!({"error": "temporarily_unavailable"})));
    server.push(token("at-1", 100));
    let (client, clock) = cached_client(&server, json!({"expiryWindowSeconds": 10}));
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1");

    clock.advance(Duration::from_secs(85));
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1", "renewal failed: old token served");
    let stats = client.cache_stats(&Map::new()).unwrap();
    assert_eq!((stats.fetches, stats.failures, stats.consecutive_failures), (2, 1, 1));
    assert_eq!(stats.last_error.unwrap().kind(), ErrorKind::OAuth);
    assert!(stats.retry_in.is_some());

    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1");
    assert_eq!(server.requests().len(), 2, "backing off: no request");

    clock.advance(Duration::from_secs(10)); // 95 s: inside the window, before the real expiry
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1", "still valid, still served");
    assert_eq!(server.requests().len(), 3);

    clock.advance(Duration::from_secs(10)); // 105 s: really expired
    let error = bearer(&client, &json!({})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OAuth);
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn failed_fetches_back_off() {
    let server = TestServer::start(Reply::raw(500, "text/html", b"<html>down</html>".to_vec()));
    let (client, clock) = cached_client(&server, json!({}));
    assert_eq!(bearer(&client, &json!({})).unwrap_err().kind(), ErrorKind::Http);
    let error = bearer(&client, &json!({})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert!(error.message().starts_with("token fetches are backing off for "), "{}", error.message());
    assert_eq!(server.requests().len(), 1);

    clock.advance(Duration::from_millis(1001)); // first back-off is at most 1 s
    assert!(bearer(&client, &json!({})).is_err());
    assert_eq!(server.requests().len(), 2);
    clock.advance(Duration::from_millis(1400)); // second is between 1.5 s and 2 s
    assert!(bearer(&client, &json!({})).is_err());
    assert_eq!(server.requests().len(), 2);
    clock.advance(Duration::from_millis(700));
    assert!(bearer(&client, &json!({})).is_err());
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn invalidate_drops_the_cached_token() {
    let server = TestServer::start(token("at-1", 3600));
    let (client, _clock) = cached_client(&server, json!({}));
    let p = object(json!({"scope": "read"}));
    client.get_cached_token(&p).unwrap();
    client.get_cached_token(&p).unwrap();
    assert_eq!(server.requests().len(), 1);
    client.invalidate(&object(json!({"scope": ["read"]}))).unwrap();
    client.get_cached_token(&p).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(!client.cache_stats(&object(json!({"scope": "other"}))).unwrap().cached);
}

#[test]
fn tokens_without_expiry_live_for_max_age() {
    let server = TestServer::start(Reply::json(200, json!({"access_token": "forever"})));
    let (client, clock) = cached_client(&server, json!({"maxAgeSeconds": 30}));
    bearer(&client, &json!({})).unwrap();
    clock.advance(Duration::from_secs(20));
    bearer(&client, &json!({})).unwrap();
    assert_eq!(server.requests().len(), 1);
    clock.advance(Duration::from_secs(11));
    bearer(&client, &json!({})).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_token_without_access_token_is_not_cached() {
    let server = TestServer::start(Reply::json(200, json!({"token_type": "bearer", "expires_in": 60})));
    let (client, _clock) = cached_client(&server, json!({}));
    assert_eq!(bearer(&client, &json!({})).unwrap_err().kind(), ErrorKind::InvalidResponse);
    assert!(!client.cache_stats(&Map::new()).unwrap().cached);
}

#[test]
fn slot_reads_the_bearer_without_refetching() {
    let server = TestServer::start(token("at-slot", 3600));
    let (client, clock) = cached_client(&server, json!({}));
    let slot = client.cache_slot(&object(json!({"scope": ["a"]}))).unwrap();
    for _ in 0..1000 {
        assert_eq!(slot.with_bearer(str::len).unwrap(), 7);
    }
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-slot");
    assert_eq!(server.requests().len(), 1);
    slot.invalidate();
    slot.with_bearer(|_| ()).unwrap();
    assert_eq!(server.requests().len(), 2);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(slot.token().unwrap().access_token(), Some("at-slot"));
    assert_eq!(server.requests().len(), 3);
    assert!(client.cache_slot(&object(json!({"scope": 7}))).is_err());
}

#[test]
fn slot_reads_follow_every_new_token() {
    let server = TestServer::start(token("at-1", 100));
    let (client, clock) = cached_client(&server, json!({"expiryWindowSeconds": 10}));
    let slot = client.cache_slot(&Map::new()).unwrap();
    let other = client.cache_slot(&object(json!({"scope": "x"}))).unwrap();
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-1");
    assert_eq!(other.with_bearer(str::to_owned).unwrap(), "at-1");

    // Renewed through another path (get_cached_token after the refresh point): the slot sees it.
    server.push(token("at-2", 100));
    clock.advance(Duration::from_secs(85));
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-2");
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-2");

    // Invalidated through the client: the slot's next read fetches.
    server.push(token("at-3", 100));
    client.invalidate(&Map::new()).unwrap();
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-3");

    // Another thread reading the same slot gets the same token.
    let from_thread = thread::scope(|s| s.spawn(|| slot.with_bearer(str::to_owned).unwrap()).join().unwrap());
    assert_eq!(from_thread, "at-3");

    // Past the refresh point, reads renew even though this thread holds a copy.
    server.push(token("at-4", 100));
    clock.advance(Duration::from_secs(85));
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-4");
    assert_eq!(other.with_bearer(str::to_owned).unwrap(), "at-1", "another key never gets this key's token");
}

#[test]
fn tokens_expired_on_arrival_are_not_fetched_on_every_read() {
    for expiry in
        [json!({"expires_in": 0}), json!({"expires_in": -30}), json!({"expires_in": 1}), json!({"expires_at": 1})]
    {
        let mut body = json!({"access_token": "at-short", "token_type": "bearer"});
        merge(&mut body, expiry.clone());
        let server = TestServer::start(Reply::json(200, body));
        let (client, clock) = cached_client(&server, json!({}));
        for _ in 0..500 {
            assert_eq!(bearer(&client, &json!({})).unwrap(), "at-short");
        }
        assert_eq!(server.requests().len(), 1, "{expiry}: one request for 500 reads");
        clock.advance(Duration::from_secs(6));
        bearer(&client, &json!({})).unwrap();
        assert_eq!(server.requests().len(), 2, "{expiry}: fetched again after the minimum lifetime");
    }
}

#[test]
fn a_token_is_not_served_past_its_expiry_after_a_suspend() {
    let server = TestServer::start(token("at-1", 3600));
    server.push(token("at-1", 3600));
    let (client, clock) = cached_client(&server, json!({}));
    let slot = client.cache_slot(&Map::new()).unwrap();
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-1");
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-1");
    server.push(token("at-2", 3600));
    // The monotonic clock stops while the machine sleeps; the wall clock does not.
    clock.suspend(Duration::from_secs(2 * 3600));
    assert_eq!(slot.with_bearer(str::to_owned).unwrap(), "at-2", "the slot's hot path");
    assert_eq!(bearer(&client, &json!({})).unwrap(), "at-2");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn reading_stats_or_invalidating_unseen_params_makes_no_entry() {
    let server = TestServer::start(token("at-kept", 3600));
    let (client, _clock) = cached_client(&server, json!({}));
    bearer(&client, &json!({"scope": "kept"})).unwrap();
    for i in 0..2000 {
        let unseen = object(json!({"scope": format!("never-{i}")}));
        let stats = client.cache_stats(&unseen).unwrap();
        assert!(!stats.cached && stats.fetches == 0);
        client.invalidate(&unseen).unwrap();
    }
    assert_eq!(bearer(&client, &json!({"scope": "kept"})).unwrap(), "at-kept");
    assert_eq!(server.requests().len(), 1, "the live token was not evicted");
}

#[test]
fn params_too_large_for_a_cache_key_are_refused() {
    let server = TestServer::start(token("at", 3600));
    let (client, _clock) = cached_client(&server, json!({}));
    let huge = object(json!({"audience": "a".repeat(64 * 1024)}));
    for error in [
        client.get_cached_token(&huge).unwrap_err(),
        client.cache_slot(&huge).err().unwrap(),
        client.cache_stats(&huge).unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert!(error.message().contains("too large to cache"), "{}", error.message());
    }
    assert!(server.requests().is_empty());
}
