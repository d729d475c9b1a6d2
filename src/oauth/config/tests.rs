use serde_json::json;

use super::*;

fn minimal() -> Value {
    json!({"client": {"id": "cid", "secret": "s3cret"}, "auth": {"tokenHost": "https://auth.example.com"}})
}

fn with(mut base: Value, section: &str, key: &str, value: Value) -> Value {
    let object = base.as_object_mut().unwrap().entry(section).or_insert_with(|| json!({}));
    object[key] = value;
    base
}

fn config_error(value: Value) -> String {
    let error = Config::from_json(&value).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(!error.message().contains("s3cret"), "{}", error.message());
    error.message().to_owned()
}

#[test]
fn defaults() {
    let config = Config::from_json(&minimal()).unwrap();
    assert_eq!(config.client.id_param_name, "client_id");
    assert_eq!(config.client.secret_param_name, "client_secret");
    assert_eq!(config.auth.token_url.as_str(), "https://auth.example.com/oauth/token");
    assert_eq!(config.auth.refresh_url, config.auth.token_url);
    assert_eq!(config.auth.revoke_url.as_str(), "https://auth.example.com/oauth/revoke");
    assert_eq!(config.options.scope_separator, " ");
    assert_eq!(config.options.credentials_encoding, CredentialsEncoding::Strict);
    assert_eq!(config.options.body_format, BodyFormat::Form);
    assert_eq!(config.options.authorization_method, AuthorizationMethod::Header);
    assert_eq!(config.http, HttpOptions::default());
}

#[test]
fn every_option_is_read() {
    let value = json!({
        "client": {"id": "a", "secret": "b", "idParamName": "cid", "secretParamName": "csec"},
        "auth": {"tokenHost": "http://127.0.0.1:9/base/", "tokenPath": "tok", "refreshPath": "/r", "revokePath": "https://other.example/rev"},
        "http": {"headers": {"User-Agent": "svc/1.0"}, "timeout": 2500},
        "options": {"scopeSeparator": ",", "credentialsEncodingMode": "loose", "bodyFormat": "json", "authorizationMethod": "body"}
    });
    let config = Config::from_json(&value).unwrap();
    assert_eq!(config.client.id_param_name, "cid");
    assert_eq!(config.client.secret_param_name, "csec");
    assert_eq!(config.auth.token_url.as_str(), "http://127.0.0.1:9/base/tok");
    assert_eq!(config.auth.refresh_url.as_str(), "http://127.0.0.1:9/r");
    assert_eq!(config.auth.revoke_url.as_str(), "https://other.example/rev");
    assert_eq!(config.http.headers, vec![("User-Agent".to_owned(), "svc/1.0".to_owned())]);
    assert_eq!(config.http.timeout, Some(Duration::from_millis(2500)));
    assert_eq!(config.options.scope_separator, ",");
    assert_eq!(config.options.credentials_encoding, CredentialsEncoding::Loose);
    assert_eq!(config.options.body_format, BodyFormat::Json);
    assert_eq!(config.options.authorization_method, AuthorizationMethod::Body);
}

#[test]
fn url_resolution_follows_whatwg() {
    let cases = [
        ("https://h.example/a/b", "/x", "https://h.example/x"),
        ("https://h.example/a/b", "x", "https://h.example/a/x"),
        ("https://h.example/a/b/", "x", "https://h.example/a/b/x"),
        ("https://h.example", "x", "https://h.example/x"),
        ("https://h.example/a", "https://other.example/t", "https://other.example/t"),
        ("https://h.example/a/b", "../t", "https://h.example/t"),
        ("https://h.example/a", "//cdn.example/t", "https://cdn.example/t"),
        ("https://h.example/a", "t?x=1", "https://h.example/t?x=1"),
    ];
    for (host, path, expected) in cases {
        let value = with(with(minimal(), "auth", "tokenHost", json!(host)), "auth", "tokenPath", json!(path));
        let config = Config::from_json(&value).unwrap();
        assert_eq!(config.auth.token_url.as_str(), expected, "{host} + {path}");
    }
}

#[test]
fn required_keys_are_named() {
    assert_eq!(config_error(json!({"auth": {"tokenHost": "https://h"}})), "client is required");
    assert_eq!(config_error(json!({"client": {"id": "a"}})), "auth is required");
    assert_eq!(config_error(json!({"client": {}, "auth": {"tokenHost": "https://h"}})), "client.id is required");
    assert_eq!(config_error(json!({"client": {"id": "a"}, "auth": {}})), "auth.tokenHost is required");
}

#[test]
fn secret_may_be_absent_or_empty_and_id_empty() {
    let value = json!({"client": {"id": ""}, "auth": {"tokenHost": "https://h"}});
    assert_eq!(Config::from_json(&value).unwrap().client.secret.expose(), "");
}

#[test]
fn unknown_keys_are_rejected_at_every_level() {
    assert_eq!(config_error(with(minimal(), "extra", "x", json!(1))), "extra is not a known key");
    assert_eq!(config_error(with(minimal(), "client", "sekret", json!("x"))), "client.sekret is not a known key");
    assert_eq!(
        config_error(with(minimal(), "auth", "authorizePath", json!("/a"))),
        "auth.authorizePath is not a known key"
    );
    assert_eq!(config_error(with(minimal(), "http", "agent", json!({}))), "http.agent is not a known key");
    assert_eq!(config_error(with(minimal(), "options", "foo", json!(true))), "options.foo is not a known key");
}

#[test]
fn wrong_types_are_named() {
    assert_eq!(config_error(with(minimal(), "client", "id", json!(5))), "client.id must be a string, not a number");
    assert_eq!(config_error(json!([])), "the value must be a JSON object, not an array");
    assert_eq!(config_error(json!({"client": "x", "auth": {}})), "client must be a JSON object, not a string");
    assert_eq!(
        config_error(with(minimal(), "http", "headers", json!({"X-A": 1}))),
        "http.headers.X-A must be a string"
    );
}

#[test]
fn credentials_must_be_printable_ascii() {
    for bad in ["caf\u{e9}", "tab\there", "nl\n", "\u{7f}"] {
        let message = config_error(with(minimal(), "client", "secret", json!(bad)));
        assert_eq!(message, "client.secret may contain only printable ASCII characters (0x20-0x7E)");
        let message = config_error(with(minimal(), "client", "id", json!(bad)));
        assert!(message.starts_with("client.id may contain only printable ASCII"));
    }
}

#[test]
fn token_host_must_be_absolute_http_or_https() {
    for bad in ["auth.example.com", "/oauth", "ftp://h.example", "mailto:x@y", "file:///etc/passwd", ""] {
        let message = config_error(with(minimal(), "auth", "tokenHost", json!(bad)));
        assert_eq!(message, "auth.tokenHost must be an absolute http or https URL", "{bad}");
    }
}

#[test]
fn a_path_that_leaves_http_is_rejected() {
    let message = config_error(with(minimal(), "auth", "revokePath", json!("file:///x")));
    assert_eq!(message, "auth.revokePath does not resolve to an http or https URL");
}

#[test]
fn base_url_is_refused() {
    let message = config_error(with(minimal(), "http", "baseUrl", json!("https://x")));
    assert!(message.starts_with("http.baseUrl is not supported"), "{message}");
}

#[test]
fn enumerated_options_list_their_choices() {
    assert_eq!(
        config_error(with(minimal(), "options", "bodyFormat", json!("xml"))),
        "options.bodyFormat must be one of \"form\" or \"json\""
    );
    assert_eq!(
        config_error(with(minimal(), "options", "authorizationMethod", json!("query"))),
        "options.authorizationMethod must be one of \"header\" or \"body\""
    );
    assert_eq!(
        config_error(with(minimal(), "options", "credentialsEncodingMode", json!("STRICT"))),
        "options.credentialsEncodingMode must be one of \"strict\" or \"loose\""
    );
}

#[test]
fn timeout_must_be_positive_whole_milliseconds() {
    for bad in [json!(0), json!(-5), json!(1.5), json!("100")] {
        let message = config_error(with(minimal(), "http", "timeout", bad));
        assert_eq!(message, "http.timeout must be a positive whole number of milliseconds");
    }
}

#[test]
fn header_names_and_values_are_checked() {
    let message = config_error(with(minimal(), "http", "headers", json!({"Bad Name": "x"})));
    assert_eq!(message, "http.headers.Bad Name: not a valid HTTP header name");
    let message = config_error(with(minimal(), "http", "headers", json!({"X-Ok": "a\r\nInjected: 1"})));
    assert_eq!(message, "http.headers.X-Ok: header values may not contain control characters");
}

#[test]
fn malformed_json_is_a_config_error() {
    let error = Config::from_json_str("{\"client\": ").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.message().starts_with("configuration is not valid JSON"));
}

#[test]
fn per_call_http_options_are_argument_errors() {
    let error = HttpOptions::from_json(&json!({"headers": {"A": "b"}, "retries": 3})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert_eq!(error.message(), "httpOptions.retries is not a known key");
    let options = HttpOptions::from_json(&json!({"headers": {"A": "b"}, "timeout": 10})).unwrap();
    assert_eq!(options.timeout, Some(Duration::from_millis(10)));
}

#[test]
fn debug_never_shows_the_secret() {
    let config = Config::from_json(&minimal()).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("cid"));
}

#[test]
fn cache_settings_default_and_validate() {
    let config = Config::from_json(&minimal()).unwrap();
    assert_eq!(config.cache, CacheSettings::default());
    assert_eq!(config.cache.expiry_window, Duration::from_secs(60));
    assert_eq!(config.cache.max_age, Duration::from_secs(300));
    let value = with(with(minimal(), "cache", "expiryWindowSeconds", json!(0)), "cache", "maxAgeSeconds", json!(30));
    let config = Config::from_json(&value).unwrap();
    assert_eq!(config.cache, CacheSettings { expiry_window: Duration::ZERO, max_age: Duration::from_secs(30) });
    assert_eq!(
        config_error(with(minimal(), "cache", "maxAgeSeconds", json!(0))),
        "cache.maxAgeSeconds must be a whole number of seconds from 1 to 31622400"
    );
    assert_eq!(config_error(with(minimal(), "cache", "ttl", json!(1))), "cache.ttl is not a known key");
}

#[test]
fn framing_headers_are_refused_by_name() {
    for name in ["Host", "content-length", "Transfer-Encoding", "CONNECTION", "Upgrade", "TE"] {
        let message = config_error(with(minimal(), "http", "headers", json!({name: "x"})));
        assert_eq!(
            message,
            format!("http.headers.{name}: the library frames each request itself; {name} cannot be set")
        );
        let error = HttpOptions::from_json(&json!({"headers": {name: "1"}})).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert!(error.message().starts_with(&format!("httpOptions.headers.{name}:")), "{}", error.message());
    }
    assert!(HttpOptions::from_json(&json!({"headers": {"Content-Type-Extra": "x", "Hosted": "y"}})).is_ok());
}

#[test]
fn empty_parameter_names_are_refused() {
    for key in ["idParamName", "secretParamName"] {
        assert_eq!(config_error(with(minimal(), "client", key, json!(""))), format!("client.{key} must not be empty"));
    }
}
