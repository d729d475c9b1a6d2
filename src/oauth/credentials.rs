//! Client authentication: the HTTP Basic header of RFC 6749 §2.3.1 in simple-oauth2's two modes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

use super::config::{ClientSettings, CredentialsEncoding};

/// What application/x-www-form-urlencoded (RFC 6749 Appendix B) leaves alone: ALPHA DIGIT - . _ ~
/// (encodeURIComponent's set without ! ' ( ) *, which strict mode encodes too).
const FORM_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `Basic base64(id ":" secret)`, with id and secret form-urlencoded first in strict mode.
pub fn basic_authorization(client: &ClientSettings, encoding: CredentialsEncoding) -> String {
    format!("Basic {}", *basic_credentials(client, encoding))
}

/// The Basic header's credentials: `base64(id ":" secret)`, encoded as `encoding` says.
pub fn basic_credentials(client: &ClientSettings, encoding: CredentialsEncoding) -> Zeroizing<String> {
    let secret = client.secret.expose();
    let pair = Zeroizing::new(match encoding {
        CredentialsEncoding::Strict => format!("{}:{}", form_encode(&client.id), *Zeroizing::new(form_encode(secret))),
        CredentialsEncoding::Loose => format!("{}:{}", client.id, secret),
    });
    Zeroizing::new(STANDARD.encode(pair.as_bytes()))
}

fn form_encode(text: &str) -> String {
    utf8_percent_encode(text, FORM_COMPONENT).to_string().replace("%20", "+")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::secret::Secret;

    fn client(id: &str, secret: &str) -> ClientSettings {
        ClientSettings {
            id: id.into(),
            secret: Secret::new(secret.into()),
            id_param_name: "client_id".into(),
            secret_param_name: "client_secret".into(),
            basic_authorization: Default::default(),
        }
    }

    #[test]
    fn strict_encoding_matches_behavior_md_example() {
        assert_eq!(form_encode("my client+1@ex.com"), "my+client%2B1%40ex.com");
        assert_eq!(form_encode("!'()*~-._"), "%21%27%28%29%2A~-._");
    }

    #[test]
    fn simple_oauth2_vectors_in_both_modes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic-auth-vectors.json");
        let text = std::fs::read_to_string(path).expect("tests/fixtures/basic-auth-vectors.json");
        let vectors: serde_json::Value = serde_json::from_str(&text).expect("vectors are JSON");
        let vectors = vectors.as_array().expect("an array of vectors");
        assert!(vectors.len() >= 6);
        for v in vectors {
            let c = client(v["id"].as_str().unwrap(), v["secret"].as_str().unwrap());
            assert_eq!(basic_authorization(&c, CredentialsEncoding::Strict), v["strict"], "strict {v}");
            assert_eq!(basic_authorization(&c, CredentialsEncoding::Loose), v["loose"], "loose {v}");
        }
    }
}
