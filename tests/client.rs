//! The core library against an in-process token server: every operation, option and failure.

mod support;

use std::time::Duration;

use oauthcc::{ErrorKind, HttpOptions, TokenType};
use serde_json::{json, Map, Value};
use support::config::{client_for, client_from, config_for, object, try_client, CLIENT_SECRET};
use support::{closed_port, Reply, TestServer};

fn none() -> HttpOptions {
    HttpOptions::default()
}

#[test]
fn get_token_posts_client_credentials_and_parses_the_token() {
    let server = TestServer::start(Reply::json(
        200,
        json!({"access_token": "at-1", "token_type": "bearer", "expires_in": 3600, "ext": {"a": 1}}),
    ));
    let client = client_for(&server, json!({}));
    let token = client.get_token(&object(json!({"scope": ["read", "write"], "audience": "api"})), &none()).unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/oauth/token");
    assert_eq!(request.body_text(), "grant_type=client_credentials&audience=api&scope=read+write");
    assert_eq!(request.header("Authorization"), Some("Basic c3ZjOnMzY3JldC12YWx1ZQ=="));
    assert_eq!(request.header("Accept"), Some("application/json"));
    assert_eq!(request.header("Content-Type"), Some("application/x-www-form-urlencoded"));

    assert_eq!(token.access_token(), Some("at-1"));
    assert_eq!(token.token()["ext"], json!({"a": 1}));
    assert!(!token.expired(0));
    assert!(token.expired(3601));
    let stored = token.to_json();
    assert!(stored["expires_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn json_body_and_body_credentials_reach_the_server() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({"options": {"bodyFormat": "json", "authorizationMethod": "body"}}));
    client.get_token(&object(json!({"scope": "a b", "n": 2})), &none()).unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(request.header("Authorization"), None);
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({"grant_type": "client_credentials", "n": 2, "scope": "a b", "client_id": "svc", "client_secret": CLIENT_SECRET})
    );
}

#[test]
fn configured_and_per_call_headers_are_sent() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({"http": {"headers": {"User-Agent": "svc/1.0", "X-Tenant": "config"}}}));
    let call = HttpOptions { headers: vec![("x-tenant".into(), "call".into())], timeout: None };
    client.get_token(&Map::new(), &call).unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("User-Agent"), Some("svc/1.0"));
    assert_eq!(request.header("X-Tenant"), Some("call"));
}

#[test]
fn paths_resolve_against_token_host() {
    let server = TestServer::token_server();
    let paths = json!({"auth": {"tokenPath": "token", "revokePath": "/revoke-here"}});
    let client = client_from(&config_for(&format!("{}/tenant/x", server.url()), paths));
    let token = client.get_token(&Map::new(), &none()).unwrap();
    token.revoke(TokenType::AccessToken, &none()).unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/tenant/token", "/revoke-here"]);
}

#[test]
fn connections_are_kept_alive_across_calls() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({}));
    for _ in 0..3 {
        client.get_token(&Map::new(), &none()).unwrap();
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 1, "one agent per client reuses its connection");
}

#[test]
fn oauth_error_body_is_exposed() {
    let server = TestServer::start(Reply::json(
        401,
        json!({"error": "invalid_client", "error_description": "bad creds", "error_uri": "https://docs/e"}),
    ));
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OAuth);
    assert_eq!(error.http_status(), Some(401));
    assert_eq!(error.message(), "token endpoint answered 401 invalid_client: bad creds");
    let oauth = error.oauth().unwrap();
    assert_eq!((oauth.error.as_str(), oauth.error_uri.as_deref()), ("invalid_client", Some("https://docs/e")));
}

#[test]
fn html_error_page_is_an_http_error() {
    let server = TestServer::start(Reply::raw(502, "text/html", b"<html>Bad Gateway</html>".to_vec()));
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(502));
    assert_eq!(error.body(), Some("<html>Bad Gateway</html>"));
}

#[test]
fn json_with_wrong_content_type_is_still_a_token() {
    let server = TestServer::start(Reply::raw(200, "text/plain", br#"{"access_token":"plain"}"#.to_vec()));
    let token = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap();
    assert_eq!(token.access_token(), Some("plain"));
}

#[test]
fn non_json_success_is_an_invalid_response() {
    for body in [&b"<html>ok</html>"[..], b"[\"array\"]", b"{\"truncated\": ", b"\xff\xfe not utf-8"] {
        let server = TestServer::start(Reply::raw(200, "application/json", body.to_vec()));
        let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    }
}

#[test]
fn unreadable_expiry_from_the_server_is_an_invalid_response() {
    let server = TestServer::start(Reply::json(200, json!({"access_token": "a", "expires_in": "soon"})));
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("expires_in"));
}

#[test]
fn redirects_are_not_followed() {
    let target = TestServer::token_server();
    let server = TestServer::start(
        Reply::json(302, json!({"access_token": "a"})).header("Location", &format!("{}/stolen", target.url())),
    );
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(302));
    assert!(target.requests().is_empty(), "credentials never sent to the redirect target");
}

#[test]
fn oversized_body_is_refused() {
    let server = TestServer::start(Reply::raw(200, "application/json", vec![b' '; 2 * 1024 * 1024]));
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("larger than 1048576 bytes"), "{}", error.message());
}

#[test]
fn config_timeout_and_per_call_timeout_are_honoured() {
    let slow = Reply::json(200, json!({"access_token": "late"})).delayed(Duration::from_millis(1500));
    let server = TestServer::start(slow);
    let client = client_for(&server, json!({"http": {"timeout": 200}}));
    assert_eq!(client.get_token(&Map::new(), &none()).unwrap_err().kind(), ErrorKind::Timeout);

    let patient = client_for(&server, json!({}));
    let call = HttpOptions { headers: vec![], timeout: Some(Duration::from_millis(200)) };
    assert_eq!(patient.get_token(&Map::new(), &call).unwrap_err().kind(), ErrorKind::Timeout);
}

#[test]
fn dropped_connection_is_a_transport_error() {
    let server = TestServer::start(Reply::dropped());
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{}", error.message());
}

#[test]
fn connection_refused_is_a_transport_error() {
    let client = client_from(&config_for(&format!("http://127.0.0.1:{}", closed_port()), json!({})));
    let error = client.get_token(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.message().starts_with("request to http://127.0.0.1:"), "{}", error.message());
}

#[test]
fn secret_echoed_by_a_server_never_reaches_the_error() {
    let echo = json!({"error": "invalid_client", "error_description": format!("secret {CLIENT_SECRET} is wrong")});
    let server = TestServer::start(Reply::json(401, echo));
    let error = client_for(&server, json!({})).get_token(&Map::new(), &none()).unwrap_err();
    let everything = format!("{error:?} {}", error.body().unwrap_or(""));
    assert!(!everything.contains(CLIENT_SECRET), "{everything}");
}

#[test]
fn tokens_echoed_by_a_server_never_reach_the_error_of_refresh_or_revoke() {
    let server = TestServer::start(Reply::json(
        400,
        json!({"error": "invalid_grant", "error_description": "bad token rt-echoed-123 for at-echoed-456"}),
    ));
    let client = client_for(&server, json!({}));
    let token = client
        .create_token(object(json!({"access_token": "at-echoed-456", "refresh_token": "rt-echoed-123"})))
        .unwrap();
    let refresh_error = token.refresh(&Map::new(), &none()).unwrap_err();
    let revoke_error = token.revoke(TokenType::RefreshToken, &none()).unwrap_err();
    for error in [refresh_error, revoke_error] {
        let everything = format!("{error:?} {}", error.body().unwrap_or(""));
        assert!(!everything.contains("rt-echoed-123") && !everything.contains("at-echoed-456"), "{everything}");
        assert_eq!(error.oauth().unwrap().error, "invalid_grant");
    }
}

#[test]
fn refresh_sends_the_refresh_token_and_keeps_it() {
    let server =
        TestServer::start(Reply::json(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 60})));
    let client = client_for(&server, json!({"auth": {"refreshPath": "/refresh"}}));
    let token = client.get_token(&Map::new(), &none()).unwrap();
    server.push(Reply::json(200, json!({"access_token": "at-2", "expires_in": 120})));
    let next = token.refresh(&object(json!({"scope": ["a", "b"]})), &none()).unwrap();

    let request = &server.requests()[1];
    assert_eq!(request.path, "/refresh");
    assert_eq!(request.body_text(), "grant_type=refresh_token&refresh_token=rt-1&scope=a+b");
    assert!(request.header("Authorization").unwrap().starts_with("Basic "));
    assert_eq!(next.access_token(), Some("at-2"));
    assert_eq!(next.token()["refresh_token"], "rt-1");
    assert_eq!(token.access_token(), Some("at-1"), "the old token is unchanged");
}

#[test]
fn refresh_without_refresh_token_makes_no_request() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({}));
    let token = client.create_token(object(json!({"access_token": "a"}))).unwrap();
    let error = token.refresh(&Map::new(), &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(server.requests().is_empty());
}

#[test]
fn revoke_each_token_type_with_an_empty_200() {
    let server = TestServer::start(Reply::raw(200, "text/plain", vec![]));
    let client = client_for(&server, json!({}));
    let token = client.create_token(object(json!({"access_token": "at", "refresh_token": "rt"}))).unwrap();
    token.revoke(TokenType::AccessToken, &none()).unwrap();
    token.revoke(TokenType::RefreshToken, &none()).unwrap();
    let bodies: Vec<String> = server.requests().iter().map(|r| r.body_text()).collect();
    assert_eq!(bodies, ["token=at&token_type_hint=access_token", "token=rt&token_type_hint=refresh_token"]);
    assert!(server.requests().iter().all(|r| r.path == "/oauth/revoke" && r.header("Authorization").is_some()));
}

#[test]
fn revoke_uses_the_json_body_format() {
    let server = TestServer::start(Reply::raw(200, "text/plain", vec![]));
    let client = client_for(&server, json!({"options": {"bodyFormat": "json"}}));
    let token = client.create_token(object(json!({"access_token": "at"}))).unwrap();
    token.revoke(TokenType::AccessToken, &none()).unwrap();
    let body: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(body, json!({"token": "at", "token_type_hint": "access_token"}));
}

#[test]
fn revoking_a_missing_refresh_token_makes_no_request() {
    let server = TestServer::token_server();
    let token = client_for(&server, json!({})).create_token(object(json!({"access_token": "at"}))).unwrap();
    let error = token.revoke(TokenType::RefreshToken, &none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(server.requests().is_empty());
    assert!("bearer".parse::<TokenType>().is_err());
}

#[test]
fn revoke_all_revokes_both_and_stops_at_the_first_failure() {
    let server = TestServer::start(Reply::raw(200, "text/plain", vec![]));
    let client = client_for(&server, json!({}));
    let both = client.create_token(object(json!({"access_token": "at", "refresh_token": "rt"}))).unwrap();
    both.revoke_all(&none()).unwrap();
    assert_eq!(server.requests().len(), 2);

    let only_access = client.create_token(object(json!({"access_token": "at"}))).unwrap();
    only_access.revoke_all(&none()).unwrap();
    assert_eq!(server.requests().len(), 3, "no empty token= request without a refresh token");

    server.push(Reply::json(400, json!({"error": "unsupported_token_type"})));
    let error = both.revoke_all(&none()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OAuth);
    assert_eq!(server.requests().len(), 4, "stopped after the failed access token revocation");
}

#[test]
fn tokens_outlive_their_client() {
    let server = TestServer::start(Reply::json(200, json!({"access_token": "at", "refresh_token": "rt"})));
    let client = client_for(&server, json!({}));
    let token = client.get_token(&Map::new(), &none()).unwrap();
    drop(client);
    assert!(token.refresh(&Map::new(), &none()).is_ok());
}

#[test]
fn create_token_from_stored_json_round_trips() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({}));
    let fresh = client.get_token(&Map::new(), &none()).unwrap();
    let stored = fresh.to_json();
    let restored = client.create_token(stored.as_object().cloned().unwrap()).unwrap();
    assert_eq!(
        restored.expires_at(),
        fresh.expires_at().map(|t| t.replace_nanosecond(t.millisecond() as u32 * 1_000_000).unwrap())
    );
    assert_eq!(restored.to_json(), stored);
    let error = client.create_token(object(json!({"expires_at": "never"}))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn one_client_serves_many_threads() {
    let server = TestServer::token_server();
    let client = client_for(&server, json!({}));
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(client.get_token(&Map::new(), &none()).unwrap().access_token(), Some("at-1"));
                }
            });
        }
    });
    assert_eq!(server.requests().len(), 40);
}

#[test]
fn tokens_that_would_inject_headers_are_invalid_responses() {
    for (field, value) in [
        ("access_token", "at\r\nX-Injected: 1"),
        ("access_token", "at\0rest"),
        ("access_token", "at with space"),
        ("refresh_token", "rt\nX: y"),
        ("token_type", "Bearer\r\nX: y"),
    ] {
        let mut body = json!({"access_token": "at-ok", "token_type": "Bearer", "expires_in": 60});
        body[field] = json!(value);
        let server = TestServer::start(Reply::json(200, body));
        let client = client_for(&server, json!({}));
        let error = client.get_token(&Map::new(), &none()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{field}");
        assert!(!error.message().contains(value), "{}", error.message());
        let slot = client.cache_slot(&Map::new()).unwrap();
        let error = slot.with_bearer(str::to_owned).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse, "the slot never hands it out either");
    }
}

#[test]
fn per_call_framing_headers_are_refused_before_sending() {
    let server = TestServer::start(Reply::json(200, json!({"access_token": "at"})));
    let client = client_for(&server, json!({}));
    for name in ["Content-Length", "Host", "Transfer-Encoding", "Connection"] {
        let error = HttpOptions::from_json(&json!({"headers": {name: "0"}})).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert!(error.message().contains(name), "{}", error.message());
    }
    let framing = json!({"http": {"headers": {"Content-Length": "5"}}});
    let error = try_client(&config_for(&server.url(), framing)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.message().contains("http.headers.Content-Length"), "{}", error.message());
    client.get_token(&Map::new(), &none()).unwrap();
    assert_eq!(server.requests().len(), 1);
}
