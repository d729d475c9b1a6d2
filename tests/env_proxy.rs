//! The proxy environment variables. One test in its own process: it sets the environment.

mod support;

use oauthcc::{ClientCredentials, HttpOptions};
use serde_json::{json, Map};
use support::{ConnectProxy, Reply, TestServer};

fn fetch(url: &str, transport: serde_json::Value) {
    let config = json!({"client": {"id": "a"}, "auth": {"tokenHost": url}, "transport": transport});
    let client = ClientCredentials::from_json_str(&config.to_string()).unwrap();
    client.get_token(&Map::new(), &HttpOptions::default()).unwrap();
}

#[test]
fn https_proxy_no_proxy_and_the_explicit_opt_out() {
    let proxy = ConnectProxy::start();
    let server = TestServer::start(Reply::json(200, json!({"access_token": "a"})));
    for name in ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTPS_PROXY", proxy.url());

    fetch(&server.url(), json!({}));
    assert_eq!(proxy.targets().len(), 1, "HTTPS_PROXY is used");

    fetch(&server.url(), json!({"proxy": false}));
    assert_eq!(proxy.targets().len(), 1, "proxy: false ignores the environment");

    std::env::set_var("NO_PROXY", "127.0.0.1");
    fetch(&server.url(), json!({}));
    assert_eq!(proxy.targets().len(), 1, "NO_PROXY bypasses the proxy");
    assert_eq!(server.requests().len(), 3);
}
