//! Servers that echo the request into their error bodies (PHP, Go and Java frameworks, gateways,
//! debug proxies) must not put a credential back into any error, in any encoding.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use oauthcc::{ClientCredentials, Error, HttpOptions, TokenType};
use serde_json::{json, Map, Value};
use support::config::{client_for, object};
use support::{Reply, TestServer};

const ID: &str = "svc client";
/// Printable ASCII that every encoding changes: / + = space quote backslash &.
const SECRET: &str = r#"k9/QzR+vT2w=Ab7x "q\ &x"#;

/// Every form of `text` an echoing server may write.
fn encodings(text: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let json = serde_json::to_string(text).unwrap();
    let json = json[1..json.len() - 1].to_owned();
    let unicode: String = text.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    vec![
        text.to_owned(),
        form.clone(),
        lower_hex(&form),
        form.replace('+', "%20"),
        json.replace('/', "\\/"),
        unicode.clone(),
        unicode.to_uppercase().replace("\\U", "\\u"),
        form.replace('%', "\\u0025"),
    ]
}

fn lower_hex(form: &str) -> String {
    let mut out = String::new();
    let mut rest = form;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        out.push_str(&rest[at..at + 3].to_lowercase());
        rest = &rest[at + 3..];
    }
    out + rest
}

/// base64 of id:secret as both credential encodings send it.
fn basic_credentials() -> Vec<String> {
    let form = |t: &str| url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>();
    let strict = format!("{}:{}", form(ID), form(SECRET));
    let loose = format!("{ID}:{SECRET}");
    [strict, loose].iter().map(|pair| STANDARD.encode(pair)).collect()
}

/// Every credential form an error must not contain.
fn forbidden() -> Vec<String> {
    let mut all = encodings(SECRET);
    for credentials in basic_credentials() {
        all.extend(encodings(&format!("Basic {credentials}")));
        all.extend(encodings(&credentials));
    }
    all
}

/// An error body that echoes `forms` every way at once: as JSON members (PHP-style escaping),
/// inside the description, and as raw text.
fn echo_body(forms: &[String]) -> String {
    let listed: Vec<String> = forms.iter().map(|f| format!("\"{}\"", f.replace('"', "\\\""))).collect();
    format!(
        r#"{{"error":"invalid_client","error_description":"got {}","echo":[{}]}} raw: {}"#,
        forms.join(" ").replace('\\', "\\\\").replace('"', "\\\""),
        listed.join(","),
        forms.join(" | ")
    )
}

fn assert_clean(error: &Error, secrets: &[String]) {
    let everything = format!(
        "{error:?}\n{}\n{}\n{}",
        error.message(),
        error.body().unwrap_or(""),
        error.oauth().and_then(|o| o.error_description.as_deref()).unwrap_or("")
    );
    for secret in secrets {
        assert!(!everything.contains(secret.as_str()), "{secret:?} leaked in:\n{everything}");
    }
    assert!(everything.contains("[REDACTED]"), "the echo is still shown, scrubbed: {everything}");
}

fn client(server: &TestServer, method: &str, encoding: &str) -> ClientCredentials {
    client_for(
        server,
        json!({
            "client": {"id": ID, "secret": SECRET},
            "options": {"authorizationMethod": method, "credentialsEncodingMode": encoding},
            "transport": {"retry": {"maxAttempts": 1}},
        }),
    )
}

#[test]
fn the_client_secret_in_every_encoding_is_scrubbed() {
    let secrets = forbidden();
    for (method, encoding) in [("header", "strict"), ("header", "loose"), ("body", "strict"), ("body", "loose")] {
        for status in [400, 401, 500] {
            let server = TestServer::start(Reply::raw(status, "application/json", echo_body(&secrets).into_bytes()));
            let error = client(&server, method, encoding).get_token(&Map::new(), &HttpOptions::default()).unwrap_err();
            assert_eq!(error.http_status(), Some(status));
            assert_clean(&error, &secrets);
        }
    }
}

#[test]
fn a_secret_cut_by_the_body_cap_leaves_no_prefix() {
    for form in encodings(SECRET) {
        for shift in [1, 5, form.len() / 2, form.len() - 1] {
            let mut body = "x".repeat(4096 - shift);
            body.push_str(&form);
            let server = TestServer::start(Reply::raw(500, "text/plain", body.into_bytes()));
            let error = client(&server, "body", "strict").get_token(&Map::new(), &HttpOptions::default()).unwrap_err();
            let kept = error.body().unwrap();
            let tail = kept.trim_start_matches('x');
            assert!(tail.is_empty() || "[REDACTED]".starts_with(tail), "{form:?} cut at {shift}: {tail:?}");
        }
    }
}

#[test]
fn a_tokens_own_tokens_are_scrubbed_from_refresh_and_revoke_errors_in_every_encoding() {
    let (access, refresh) = ("at/Echo+d=1234", "rt/Echo+d=5678");
    let mut secrets = encodings(access);
    secrets.extend(encodings(refresh));
    let server = TestServer::start(Reply::raw(400, "application/json", echo_body(&secrets).into_bytes()));
    let client = client(&server, "header", "strict");
    let token = client.create_token(object(json!({"access_token": access, "refresh_token": refresh}))).unwrap();
    let errors = [
        token.refresh(&Map::new(), &HttpOptions::default()).unwrap_err(),
        token.revoke(TokenType::AccessToken, &HttpOptions::default()).unwrap_err(),
        token.revoke_all(&HttpOptions::default()).unwrap_err(),
    ];
    for error in &errors {
        assert_clean(error, &secrets);
    }
}

#[test]
fn errors_keep_what_is_not_secret() {
    let server = TestServer::start(Reply::json(
        401,
        json!({"error": "invalid_client", "error_description": format!("client {ID} unknown, tried {SECRET}")}),
    ));
    let error = client(&server, "header", "strict").get_token(&Map::new(), &HttpOptions::default()).unwrap_err();
    let description: &Value = &json!(error.oauth().unwrap().error_description);
    assert_eq!(description, &json!(format!("client {ID} unknown, tried [REDACTED]")));
}
