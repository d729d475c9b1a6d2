//! TLS against a local rustls server with a test CA (custom CA bundle, mutual TLS, untrusted
//! certificates refused) and requests through a local CONNECT proxy (`support/proxies.rs`),
//! which never carries a request to this machine.

#[path = "support/proxies.rs"]
mod proxies;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use oauthcc::{ClientCredentials, ErrorKind, HttpOptions};
use proxies::LocalProxy;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use serde_json::{json, Map, Value};
use support::{Reply, TestServer};

/// Not this machine, so requests to it take the proxy, which reaches them at 127.0.0.1.
const REMOTE_ADDRESS: &str = "192.0.2.10";
const REMOTE_NAME: &str = "token.test";

/// A test CA, a server certificate for 127.0.0.1 and `REMOTE_NAME`, and a client certificate,
/// as files.
struct Pki {
    dir: PathBuf,
    ca: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl Pki {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("oauthcc-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), REMOTE_NAME.to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client_cert =
            CertificateParams::new(vec!["svc.client".to_owned()]).unwrap().signed_by(&client_key, &ca).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("client.pem"), client_cert.pem()).unwrap();
        std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
        std::fs::write(dir.join("not-a-cert.pem"), "hello").unwrap();
        let ca_der = AsRef::<rcgen::Certificate>::as_ref(&ca).der().clone();
        Pki { dir, ca: ca_der, server_cert: server_cert.der().clone(), server_key: server_key.serialize_der() }
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    /// A TLS token server; with `require_client_cert`, only clients with a cert from the CA.
    fn server(&self, require_client_cert: bool) -> TlsServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder =
            ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().unwrap();
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca.clone()).unwrap();
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap(),
            )
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config = Arc::new(builder.with_single_cert(vec![self.server_cert.clone()], key).unwrap());
        TlsServer::start(config)
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct TlsServer {
    port: u16,
    served: Arc<AtomicUsize>,
}

impl TlsServer {
    fn start(config: Arc<ServerConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, counter) = (config.clone(), counter.clone());
                thread::spawn(move || {
                    let Ok(connection) = ServerConnection::new(config) else { return };
                    let mut tls = StreamOwned::new(connection, tcp);
                    if read_request(&mut tls).is_some() {
                        let body = json!({"access_token": "over-tls", "expires_in": 60}).to_string();
                        let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                        if tls.write_all(reply.as_bytes()).is_ok() {
                            counter.fetch_add(1, Ordering::SeqCst);
                        }
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                });
            }
        });
        TlsServer { port, served }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

fn read_request(stream: &mut impl Read) -> Option<()> {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()
}

fn get_token(config: Value) -> Result<String, oauthcc::Error> {
    let client = ClientCredentials::from_json_str(&config.to_string())?;
    client.get_token(&Map::new(), &HttpOptions::default()).map(|t| t.access_token().unwrap_or("").to_owned())
}

fn config(url: &str, transport: Value) -> Value {
    json!({"client": {"id": "svc", "secret": "s"}, "auth": {"tokenHost": url}, "transport": transport})
}

#[test]
fn a_custom_ca_bundle_is_trusted() {
    let pki = Pki::new("ca");
    let server = pki.server(false);
    assert_eq!(get_token(config(&server.url(), json!({"caFile": pki.path("ca.pem")}))).unwrap(), "over-tls");
}

#[test]
fn an_untrusted_certificate_is_refused_and_not_retried() {
    let pki = Pki::new("untrusted");
    let server = pki.server(false);
    let error = get_token(config(&server.url(), json!({}))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(!error.retryable(), "{}", error.message());
    assert_eq!(server.served.load(Ordering::SeqCst), 0);
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let pki = Pki::new("mtls");
    let server = pki.server(true);
    let with_cert = json!({"caFile": pki.path("ca.pem"), "clientCertFile": pki.path("client.pem"), "clientKeyFile": pki.path("client.key")});
    assert_eq!(get_token(config(&server.url(), with_cert)).unwrap(), "over-tls");
    let without = get_token(config(&server.url(), json!({"caFile": pki.path("ca.pem"), "retry": {"maxAttempts": 1}})))
        .unwrap_err();
    assert_eq!(without.kind(), ErrorKind::Transport, "{}", without.message());
    assert_eq!(server.served.load(Ordering::SeqCst), 1);
}

#[test]
fn tls_files_are_checked_when_the_client_is_made() {
    let pki = Pki::new("files");
    let message =
        |transport: Value| get_token(config("https://127.0.0.1:1", transport)).unwrap_err().message().to_owned();
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
    let debug = format!(
        "{:?}",
        ClientCredentials::from_json_str(
            &config(
                "https://h",
                json!({
        "clientCertFile": pki.path("client.pem"), "clientKeyFile": pki.path("client.key")})
            )
            .to_string()
        )
        .unwrap()
    );
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(Path::new(&pki.path("client.key")).exists());
}

#[test]
fn an_explicit_proxy_carries_the_request() {
    let proxy = LocalProxy::connect();
    let server = TestServer::start(Reply::json(200, json!({"access_token": "via-proxy"})));
    let url = format!("http://{REMOTE_ADDRESS}:{}", server.port);
    let token = get_token(config(&url, json!({"proxy": proxy.url("http"), "allowInsecureHttp": true}))).unwrap();
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
    let token = get_token(config(&url, json!({"proxy": proxy.url("http"), "caFile": pki.path("ca.pem")}))).unwrap();
    assert_eq!(token, "over-tls");
    assert_eq!(proxy.targets(), [format!("{REMOTE_NAME}:{}", server.port)], "the name, resolved by the proxy");
}

#[test]
fn requests_to_this_machine_never_take_the_proxy() {
    let proxy = LocalProxy::connect();
    let server = TestServer::start(Reply::json(200, json!({"access_token": "direct"})));
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("http://{host}:{}", server.port);
        assert_eq!(get_token(config(&url, json!({"proxy": proxy.url("http")}))).unwrap(), "direct");
    }
    assert_eq!(proxy.connections(), 0, "the proxy never saw the client id, secret or token");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn proxy_settings_are_validated() {
    let error = get_token(config("https://h", json!({"proxy": "::not a url::"}))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.message().starts_with("transport.proxy is not a valid proxy URL"));
    let error = get_token(config("https://h", json!({"proxy": "ftp://svc:hunter2@proxy:21"}))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(!error.message().contains("hunter2"), "{}", error.message());
    let error = get_token(config("https://h", json!({"proxy": true}))).unwrap_err();
    assert_eq!(error.message(), "transport.proxy must be a proxy URL, or false for no proxy");
}
