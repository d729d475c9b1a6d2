//! The proxy environment variables, read when the client is made (the precedence and NO_PROXY
//! are unit-tested in src/oauth/config/proxy_env.rs and no_proxy.rs). These tests set the
//! process environment: each holds `ENVIRONMENT` while it runs.

mod support;

use std::sync::{Mutex, MutexGuard, PoisonError};

use oauthcc::{ClientCredentials, ErrorKind, HttpOptions};
use serde_json::{json, Map, Value};
use support::config::{try_client, with_transport};
use support::proxies::{LocalProxy, REMOTE_ADDRESS, REMOTE_NAME};
use support::{Reply, TestServer};

static ENVIRONMENT: Mutex<()> = Mutex::new(());

const PROXY_VARIABLES: [&str; 8] =
    ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

/// The environment for one test, with `variables` as its only proxy variables.
fn environment(variables: &[(&str, &str)]) -> MutexGuard<'static, ()> {
    let guard = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
    for name in PROXY_VARIABLES {
        std::env::remove_var(name);
    }
    for (name, value) in variables {
        std::env::set_var(name, value);
    }
    guard
}

fn client(token_host: &str, transport: Value) -> Result<ClientCredentials, oauthcc::Error> {
    try_client(&with_transport(token_host, transport))
}

/// Plain http to a host that is not this machine; one attempt, so a wrong route fails fast.
fn remote_http() -> Value {
    json!({"allowInsecureHttp": true, "connectTimeout": 2000, "retry": {"maxAttempts": 1}})
}

fn fetch(client: &ClientCredentials) -> String {
    let token = client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
    token.access_token().unwrap_or("").to_owned()
}

fn token_server() -> TestServer {
    TestServer::start(Reply::json(200, json!({"access_token": "a"})))
}

#[test]
fn all_proxy_socks_is_honoured_in_either_case() {
    let server = token_server();
    let proxy = LocalProxy::socks();
    {
        let _environment = environment(&[("ALL_PROXY", &proxy.url("socks5h"))]);
        fetch(&client(&format!("http://{REMOTE_NAME}:{}", server.port), remote_http()).unwrap());
    }
    let _environment = environment(&[("all_proxy", &proxy.url("socks5"))]);
    fetch(&client(&format!("http://{REMOTE_ADDRESS}:{}", server.port), remote_http()).unwrap());
    let port = server.port;
    assert_eq!(proxy.targets(), [format!("{REMOTE_NAME}:{port}"), format!("{REMOTE_ADDRESS}:{port}")]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn the_scheme_variable_comes_before_all_proxy() {
    let server = token_server();
    let (http_proxy, all_proxy) = (LocalProxy::connect(), LocalProxy::socks());
    let _environment = environment(&[("ALL_PROXY", &all_proxy.url("socks5")), ("http_proxy", &http_proxy.url("http"))]);
    fetch(&client(&format!("http://{REMOTE_ADDRESS}:{}", server.port), remote_http()).unwrap());
    assert_eq!(http_proxy.targets(), [format!("{REMOTE_ADDRESS}:{}", server.port)]);
    assert_eq!(all_proxy.connections(), 0);
}

#[test]
fn requests_to_this_machine_never_take_the_environment_proxy() {
    let server = token_server();
    let proxy = LocalProxy::connect();
    let _environment = environment(&[("HTTP_PROXY", &proxy.url("http")), ("ALL_PROXY", &proxy.url("http"))]);
    for host in ["localhost", "127.0.0.1"] {
        fetch(&client(&format!("http://{host}:{}", server.port), json!({})).unwrap());
    }
    assert_eq!(proxy.connections(), 0, "the proxy never saw the client id, secret or token");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_unusable_proxy_variable_fails_the_client_creation() {
    for (name, value) in [
        ("ALL_PROXY", "ftp://svc:hunter2@proxy:21"),
        ("https_proxy", "::svc:hunter2 not a url::"),
        ("HTTP_PROXY", "gopher://svc:hunter2@proxy"),
    ] {
        let _environment = environment(&[(name, value)]);
        let error = client("https://auth.example.com", json!({})).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidConfig);
        assert!(error.message().contains(&format!("environment variable {name} ")), "{}", error.message());
        assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
        let explicit = client("https://auth.example.com", json!({"proxy": "socks5h://proxy.internal:1080"}));
        assert!(explicit.is_ok(), "transport.proxy replaces the environment");
        assert!(client("https://auth.example.com", json!({"proxy": false})).is_ok(), "false ignores it");
    }
}

#[test]
fn the_environment_is_read_once_when_the_client_is_made() {
    let server = token_server();
    let (first, second) = (LocalProxy::connect(), LocalProxy::connect());
    let environment_then = environment(&[("HTTP_PROXY", &first.url("http"))]);
    let client = client(&format!("http://{REMOTE_ADDRESS}:{}", server.port), remote_http()).unwrap();
    std::env::set_var("HTTP_PROXY", second.url("http"));
    std::env::set_var("ALL_PROXY", "ftp://unusable");
    fetch(&client);
    drop(environment_then);
    assert_eq!(first.targets().len(), 1);
    assert_eq!(second.connections(), 0);
}
