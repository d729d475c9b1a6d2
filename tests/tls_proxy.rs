//! TLS against a local rustls server with a test CA (`support/tls.rs`: custom CA bundle, mutual
//! TLS, untrusted certificates refused) and requests through a local CONNECT proxy
//! (`support/proxies.rs`), which never carries a request to this machine.

mod support;

use std::path::Path;

use oauthcc::ErrorKind;
use serde_json::{json, Value};
use support::config::{client_from, fetch_access_token, with_transport};
use support::proxies::{LocalProxy, REMOTE_ADDRESS, REMOTE_NAME};
use support::tls::{Pki, TLS_TOKEN};
use support::{Reply, TestServer};

fn get_token(token_host: &str, transport: Value) -> Result<String, oauthcc::Error> {
    fetch_access_token(&with_transport(token_host, transport))
}

#[test]
fn a_custom_ca_bundle_is_trusted() {
    let pki = Pki::new("ca");
    let server = pki.server(false);
    assert_eq!(get_token(&server.url(), json!({"caFile": pki.path("ca.pem")})).unwrap(), TLS_TOKEN);
}

#[test]
fn an_untrusted_certificate_is_refused_and_not_retried() {
    let pki = Pki::new("untrusted");
    let server = pki.server(false);
    let error = get_token(&server.url(), json!({})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(!error.retryable(), "{}", error.message());
    assert_eq!(server.served(), 0);
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let pki = Pki::new("mtls");
    let server = pki.server(true);
    let with_cert = json!({"caFile": pki.path("ca.pem"), "clientCertFile": pki.path("client.pem"), "clientKeyFile": pki.path("client.key")});
    assert_eq!(get_token(&server.url(), with_cert).unwrap(), TLS_TOKEN);
    let without =
        get_token(&server.url(), json!({"caFile": pki.path("ca.pem"), "retry": {"maxAttempts": 1}})).unwrap_err();
    assert_eq!(without.kind(), ErrorKind::Transport, "{}", without.message());
    assert_eq!(server.served(), 1);
}

#[test]
fn tls_files_are_checked_when_the_client_is_made() {
    let pki = Pki::new("files");
    let message = |transport: Value| get_token("https://127.0.0.1:1", transport).unwrap_err().message().to_owned();
    assert!(message(json!({"caFile": pki.path("missing.pem")})).starts_with("transport.caFile cannot be read"));
    assert!(
        message(json!({"caFile": pki.path("not-a-cert.pem")})).starts_with("transport.caFile holds no PEM certificate")
    );
    assert_eq!(
        message(json!({"clientCertFile": pki.path("client.pem")})),
        "transport.clientKeyFile is required with clientCertFile"
    );
    let wrong_key = json!({"clientCertFile": pki.path("client.pem"), "clientKeyFile": pki.path("client.pem")});
    assert!(message(wrong_key).starts_with("transport.clientKeyFile holds no PEM private key"));
    let with_key = json!({"clientCertFile": pki.path("client.pem"), "clientKeyFile": pki.path("client.key")});
    let debug = format!("{:?}", client_from(&with_transport("https://h", with_key)));
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(Path::new(&pki.path("client.key")).exists());
}

#[test]
fn an_explicit_proxy_carries_the_request() {
    let proxy = LocalProxy::connect();
    let server = TestServer::start(Reply::json(200, json!({"access_token": "via-proxy"})));
    let url = format!("http://{REMOTE_ADDRESS}:{}", server.port);
    let token = get_token(&url, json!({"proxy": proxy.url("http"), "allowInsecureHttp": true})).unwrap();
    assert_eq!(token, "via-proxy");
    assert_eq!(proxy.targets(), [format!("{REMOTE_ADDRESS}:{}", server.port)]);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn tls_through_the_proxy() {
    let pki = Pki::new("proxy");
    let server = pki.server(false);
    let proxy = LocalProxy::connect();
    let url = format!("https://{REMOTE_NAME}:{}", server.port);
    let token = get_token(&url, json!({"proxy": proxy.url("http"), "caFile": pki.path("ca.pem")})).unwrap();
    assert_eq!(token, TLS_TOKEN);
    assert_eq!(proxy.targets(), [format!("{REMOTE_NAME}:{}", server.port)], "the name, resolved by the proxy");
}

#[test]
fn requests_to_this_machine_never_take_the_proxy() {
    let proxy = LocalProxy::connect();
    let server = TestServer::start(Reply::json(200, json!({"access_token": "direct"})));
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("http://{host}:{}", server.port);
        assert_eq!(get_token(&url, json!({"proxy": proxy.url("http")})).unwrap(), "direct");
    }
    assert_eq!(proxy.connections(), 0, "the proxy never saw the client id, secret or token");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn proxy_settings_are_validated() {
    let error = get_token("https://h", json!({"proxy": "::not a url::"})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.message().starts_with("transport.proxy is not a valid proxy URL"));
    let error = get_token("https://h", json!({"proxy": "ftp://svc:hunter2@proxy:21"})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(!error.message().contains("hunter2"), "{}", error.message());
    let error = get_token("https://h", json!({"proxy": true})).unwrap_err();
    assert_eq!(error.message(), "transport.proxy must be a proxy URL, or false for no proxy");
}
