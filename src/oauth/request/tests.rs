use serde_json::json;

use super::*;
use crate::oauth::config::Config;

fn config(options: serde_json::Value, http: serde_json::Value) -> Config {
    Config::from_json(&json!({
        "client": {"id": "my client+1@ex.com", "secret": "p@ss word"},
        "auth": {"tokenHost": "https://auth.example.com"},
        "http": http,
        "options": options,
    }))
    .unwrap()
}

fn params(value: serde_json::Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn build_grant(config: &Config, given: serde_json::Value, call: &HttpOptions) -> HttpRequest {
    let p = Params::for_grant("client_credentials", &params(given), &[], &config.options.scope_separator).unwrap();
    build(config, &config.auth.token_url, p, call).unwrap()
}

fn keys(params: &Params) -> Vec<&str> {
    params.0.iter().map(|(k, _)| k.as_str()).collect()
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    let mut found = request.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    let first = found.next().map(|(_, v)| v.as_str());
    assert!(found.next().is_none(), "header {name} sent twice");
    first
}

fn body(request: &HttpRequest) -> &str {
    std::str::from_utf8(&request.body).unwrap()
}

#[test]
fn grant_params_order_grant_type_params_then_scope() {
    let p = Params::for_grant(
        "client_credentials",
        &params(json!({"scope": ["a", "b"], "audience": "api", "resource": "r"})),
        &[],
        " ",
    )
    .unwrap();
    assert_eq!(keys(&p), ["grant_type", "audience", "resource", "scope"]);
    assert_eq!(p.get("scope"), Some(&json!("a b")));
}

#[test]
fn grant_type_in_params_replaces_the_default() {
    let p = Params::for_grant("client_credentials", &params(json!({"x": 1, "grant_type": "urn:custom"})), &[], " ")
        .unwrap();
    assert_eq!(p.0[0], ("grant_type".to_owned(), json!("urn:custom")));
    assert_eq!(p.0.len(), 2);
}

#[test]
fn scope_string_is_sent_as_is_and_absent_scope_is_omitted() {
    let p = Params::for_grant("client_credentials", &params(json!({"scope": "a,b  c"})), &[], ",").unwrap();
    assert_eq!(p.get("scope"), Some(&json!("a,b  c")));
    let p = Params::for_grant("client_credentials", &Map::new(), &[], " ").unwrap();
    assert_eq!(p.get("scope"), None);
}

#[test]
fn scope_array_uses_the_separator() {
    let p = Params::for_grant("client_credentials", &params(json!({"scope": ["a", "b", "c"]})), &[], ",").unwrap();
    assert_eq!(p.get("scope"), Some(&json!("a,b,c")));
}

#[test]
fn bad_scope_types_are_argument_errors() {
    for bad in [json!(5), json!({"a": 1}), json!(["a", 1]), json!(true)] {
        let error = Params::for_grant("client_credentials", &params(json!({"scope": bad})), &[], " ").unwrap_err();
        assert_eq!(error.kind(), crate::oauth::ErrorKind::InvalidArgument);
        assert!(error.message().starts_with("params.scope must be a string or an array of strings"));
    }
}

#[test]
fn extra_pairs_win_over_params_and_come_before_scope() {
    let p = Params::for_grant(
        "refresh_token",
        &params(json!({"scope": "s", "refresh_token": "stale", "a": 1})),
        &[("refresh_token", "current")],
        " ",
    )
    .unwrap();
    assert_eq!(keys(&p), ["grant_type", "a", "refresh_token", "scope"]);
    assert_eq!(p.get("refresh_token"), Some(&json!("current")));
}

#[test]
fn form_body_encodes_values_by_type() {
    let config = config(json!({}), json!({}));
    let request = build_grant(
        &config,
        json!({"s": "a b&c=d", "n": 1, "f": 1.5, "t": true, "z": null, "arr": ["x", 2], "scope": ["r", "w"]}),
        &HttpOptions::default(),
    );
    assert_eq!(body(&request), "grant_type=client_credentials&s=a+b%26c%3Dd&n=1&f=1.5&t=true&z=&arr=x&arr=2&scope=r+w");
    assert_eq!(header(&request, "content-type"), Some("application/x-www-form-urlencoded"));
}

#[test]
fn form_body_refuses_nested_objects() {
    let config = config(json!({}), json!({}));
    let p = Params::for_grant("client_credentials", &params(json!({"claims": {"a": 1}})), &[], " ").unwrap();
    let error = build(&config, &config.auth.token_url, p, &HttpOptions::default()).unwrap_err();
    assert_eq!(error.kind(), crate::oauth::ErrorKind::InvalidArgument);
    assert!(error.message().starts_with("params.claims: an object cannot be sent in a form body"));
}

#[test]
fn json_body_keeps_json_types_and_order() {
    let config = config(json!({"bodyFormat": "json"}), json!({}));
    let request = build_grant(
        &config,
        json!({"n": 1, "t": true, "claims": {"a": [1]}, "scope": ["r", "w"]}),
        &HttpOptions::default(),
    );
    assert_eq!(
        body(&request),
        r#"{"grant_type":"client_credentials","n":1,"t":true,"claims":{"a":[1]},"scope":"r w"}"#
    );
    assert_eq!(header(&request, "Content-Type"), Some("application/json"));
}

#[test]
fn header_mode_sends_basic_credentials_not_body_credentials() {
    let config = config(json!({}), json!({}));
    let request = build_grant(&config, json!({}), &HttpOptions::default());
    let expected =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("my+client%2B1%40ex.com:p%40ss+word"));
    use base64::Engine;
    assert_eq!(header(&request, "Authorization"), Some(expected.as_str()));
    assert_eq!(body(&request), "grant_type=client_credentials");
}

#[test]
fn body_mode_sends_credentials_raw_under_configured_names() {
    let config = Config::from_json(&json!({
        "client": {"id": "id 1", "secret": "se&cret", "idParamName": "cid", "secretParamName": "csec"},
        "auth": {"tokenHost": "https://auth.example.com"},
        "options": {"authorizationMethod": "body"},
    }))
    .unwrap();
    let request = build_grant(&config, json!({"scope": "a", "cid": "spoofed"}), &HttpOptions::default());
    assert_eq!(body(&request), "grant_type=client_credentials&scope=a&cid=id+1&csec=se%26cret");
    assert_eq!(header(&request, "Authorization"), None);
}

#[test]
fn header_precedence() {
    let config = config(
        json!({}),
        json!({"headers": {"accept": "text/plain", "X-Config": "c", "X-Both": "config", "content-type": "text/evil"}}),
    );
    let call = HttpOptions {
        headers: vec![
            ("x-both".into(), "call".into()),
            ("AUTHORIZATION".into(), "Bearer nope".into()),
            ("X-Call".into(), "k".into()),
        ],
        timeout: None,
    };
    let request = build_grant(&config, json!({}), &call);
    assert_eq!(header(&request, "Accept"), Some("text/plain"), "config beats the default");
    assert_eq!(header(&request, "X-Both"), Some("call"), "per-call beats config");
    assert_eq!(header(&request, "X-Config"), Some("c"));
    assert_eq!(header(&request, "X-Call"), Some("k"));
    assert_eq!(header(&request, "Content-Type"), Some("application/x-www-form-urlencoded"), "own Content-Type wins");
    assert!(
        header(&request, "Authorization").unwrap().starts_with("Basic "),
        "per-call Authorization ignored in header mode"
    );
}

#[test]
fn default_accept_is_json() {
    let config = config(json!({}), json!({}));
    let request = build_grant(&config, json!({}), &HttpOptions::default());
    assert_eq!(header(&request, "Accept"), Some("application/json"));
}

#[test]
fn per_call_timeout_overrides_config_timeout() {
    let config = config(json!({}), json!({"timeout": 5000}));
    let request = build_grant(&config, json!({}), &HttpOptions::default());
    assert_eq!(request.timeout, Some(std::time::Duration::from_millis(5000)));
    let call = HttpOptions { headers: vec![], timeout: Some(std::time::Duration::from_millis(7)) };
    assert_eq!(build_grant(&config, json!({}), &call).timeout, Some(std::time::Duration::from_millis(7)));
}

#[test]
fn debug_hides_headers_and_body() {
    let config = config(json!({}), json!({}));
    let request = build_grant(&config, json!({}), &HttpOptions::default());
    let debug = format!("{request:?}");
    assert!(!debug.contains("Basic") && !debug.contains("grant_type"), "{debug}");
}
