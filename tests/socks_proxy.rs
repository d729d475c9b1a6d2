//! Token requests through a local SOCKS proxy (`support/proxies.rs`) named by
//! `transport.proxy`: SOCKS5 resolving the target here (`socks5://`: an IPv4 address reaches the
//! proxy) or at the proxy (`socks5h://`: the name does), with a password, and SOCKS4/4a. A
//! refused password is an error, never a panic, and Debug never shows the proxy's credentials.

mod support;

use oauthcc::ErrorKind;
use serde_json::{json, Value};
use support::config::{client_from, fetch_access_token, with_transport};
use support::proxies::{LocalProxy, REMOTE_ADDRESS, REMOTE_NAME};
use support::{Reply, TestServer};

/// Plain http (the hosts are not this machine) through `proxy`; one attempt.
fn config(token_host: &str, proxy: &str) -> Value {
    with_transport(token_host, json!({"proxy": proxy, "allowInsecureHttp": true, "retry": {"maxAttempts": 1}}))
}

fn token_server() -> TestServer {
    TestServer::start(Reply::json(200, json!({"access_token": "via-socks"})))
}

/// Fetches a token from `host` through `proxy_url`; returns what the proxy was asked for.
fn fetch_through(proxy: &LocalProxy, proxy_url: &str, host: &str) -> Vec<String> {
    let server = token_server();
    let token = fetch_access_token(&config(&format!("http://{host}:{}", server.port), proxy_url)).unwrap();
    assert_eq!(token, "via-socks");
    assert_eq!(server.requests().len(), 1);
    assert!(proxy.targets().iter().all(|target| target.ends_with(&format!(":{}", server.port))));
    proxy.targets().into_iter().map(|target| target.rsplit_once(':').unwrap().0.to_owned()).collect()
}

#[test]
fn socks5_resolves_here_and_sends_the_address() {
    let proxy = LocalProxy::socks();
    assert_eq!(fetch_through(&proxy, &proxy.url("socks5"), REMOTE_ADDRESS), [REMOTE_ADDRESS]);
}

#[test]
fn socks5h_sends_the_name_for_the_proxy_to_resolve() {
    let proxy = LocalProxy::socks();
    assert_eq!(fetch_through(&proxy, &proxy.url("socks5h"), REMOTE_NAME), [REMOTE_NAME]);
}

#[test]
fn socks4_sends_the_address_and_socks4a_the_name() {
    let proxy = LocalProxy::socks();
    assert_eq!(fetch_through(&proxy, &proxy.url("socks4"), REMOTE_ADDRESS), [REMOTE_ADDRESS]);
    let proxy = LocalProxy::socks();
    assert_eq!(fetch_through(&proxy, &proxy.url("socks4a"), REMOTE_NAME), [REMOTE_NAME]);
}

#[test]
fn socks5_with_a_user_name_and_password() {
    let proxy = LocalProxy::socks_with_password("svc-proxy", "pr0xy-secret");
    let url = format!("socks5h://svc-proxy:pr0xy-secret@127.0.0.1:{}", proxy.port);
    assert_eq!(fetch_through(&proxy, &url, REMOTE_NAME), [REMOTE_NAME]);
    assert_eq!(proxy.users(), ["svc-proxy"]);
}

#[test]
fn a_refused_password_is_a_transport_error() {
    let proxy = LocalProxy::socks_with_password("svc-proxy", "pr0xy-secret");
    let server = token_server();
    let url = format!("socks5h://svc-proxy:wr0ng-secret@127.0.0.1:{}", proxy.port);
    let error = fetch_access_token(&config(&format!("http://{REMOTE_NAME}:{}", server.port), &url)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{}", error.message());
    assert!(!format!("{error:?}").contains("wr0ng-secret"), "{error:?}");
    assert!(proxy.targets().is_empty());
    assert!(server.requests().is_empty());
}

#[test]
fn debug_never_shows_the_proxy_credentials() {
    let url = "socks5://svc-proxy:pr0xy-secret@127.0.0.1:1080";
    let client = client_from(&config("https://auth.example.com", url));
    let debug = format!("{client:?}");
    assert!(debug.contains("socks5://[REDACTED]@127.0.0.1:1080"), "{debug}");
    assert!(!debug.contains("pr0xy-secret") && !debug.contains("svc-proxy"), "{debug}");
}
