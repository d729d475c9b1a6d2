//! A test PKI (rcgen) and a local rustls token server: a CA, a server certificate for 127.0.0.1
//! and `REMOTE_NAME`, and a client certificate, written as files the client configuration names.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use serde_json::json;

use super::proxies::REMOTE_NAME;
use super::read_request;

/// The access token every `TlsServer` hands out.
pub const TLS_TOKEN: &str = "over-tls";

/// The certificates, in a temporary folder removed on drop: `ca.pem`, `client.pem`, `client.key`,
/// and `not-a-cert.pem` (not PEM at all).
pub struct Pki {
    dir: PathBuf,
    ca: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl Pki {
    /// `name` keeps the folders of tests running at once apart.
    pub fn new(name: &str) -> Self {
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

    pub fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    /// A TLS token server; with `require_client_cert`, only clients with a cert from the CA.
    pub fn server(&self, require_client_cert: bool) -> TlsServer {
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

/// Answers every request that completes a handshake with the token `TLS_TOKEN`, one per
/// connection.
pub struct TlsServer {
    pub port: u16,
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
                    if answer(StreamOwned::new(connection, tcp)) {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        TlsServer { port, served }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// How many tokens were handed out.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

/// Reads one request and writes the token; false if the handshake or the request failed.
fn answer(mut tls: StreamOwned<ServerConnection, std::net::TcpStream>) -> bool {
    if read_request(&mut BufReader::new(&mut tls), 0).is_none() {
        return false;
    }
    let body = json!({"access_token": TLS_TOKEN, "expires_in": 60}).to_string();
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let written = tls.write_all(reply.as_bytes()).is_ok();
    tls.conn.send_close_notify();
    let _ = tls.flush();
    written
}
