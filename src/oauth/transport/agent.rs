//! Builds the ureq agent from the transport settings; TLS configuration is made once here.

use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector, SocksConnector};
use ureq::Agent;

use super::resolver::SharedResolver;
use super::tcp::LeanTcpConnector;
use crate::oauth::config::{TransportSettings, LONGEST_TIMEOUT};

/// An agent whose host lookups go through `resolver`.
pub fn build(settings: &TransportSettings, resolver: &SharedResolver) -> Agent {
    let roots = match &settings.ca_certificates {
        Some(certificates) => RootCerts::Specific(certificates.clone()),
        None => RootCerts::PlatformVerifier,
    };
    // rustls speaks TLS 1.2 and 1.3 only, and there is no switch to skip certificate checks.
    let tls = TlsConfig::builder().root_certs(roots).client_cert(settings.client_cert.clone()).build();
    let config = Agent::config_builder()
        .tls_config(tls)
        // Each request names its own proxy (`ProxySetting::for_url`); the pool keeps
        // connections apart by proxy. None here also stops ureq reading the environment itself.
        .proxy(None)
        .timeout_connect(Some(settings.connect_timeout.min(LONGEST_TIMEOUT)))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("liboauthcc/", env!("CARGO_PKG_VERSION")))
        .build();
    // ureq's default chain, with our TCP connector in place of its own.
    let connector =
        ().chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(LeanTcpConnector)
            .chain(RustlsConnector::default());
    Agent::with_parts(config, connector, resolver.clone())
}
