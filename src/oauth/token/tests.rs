use serde_json::json;
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-11-30 18:00:00.123 UTC);

fn parse(value: serde_json::Value) -> Result<TokenData> {
    TokenData::parse(value.as_object().unwrap().clone(), NOW, ErrorKind::InvalidArgument)
}

#[test]
fn expires_in_is_added_to_now() {
    for v in [json!(3600), json!("3600"), json!(3600.9)] {
        let token = parse(json!({"access_token": "a", "expires_in": v})).unwrap();
        assert_eq!(token.expires_at(), Some(datetime!(2026-11-30 19:00:00.123 UTC)), "{v}");
    }
}

#[test]
fn expires_at_number_is_unix_seconds() {
    let token = parse(json!({"expires_at": 1_796_083_200})).unwrap();
    assert_eq!(token.expires_at(), Some(datetime!(2026-12-01 00:00:00 UTC)));
    let token = parse(json!({"expires_at": 1_796_083_200.5})).unwrap();
    assert_eq!(token.expires_at(), Some(datetime!(2026-12-01 00:00:00.5 UTC)));
}

#[test]
fn expires_at_string_forms() {
    let cases = [
        ("2026-12-01T00:00:00.000Z", datetime!(2026-12-01 00:00:00 UTC)),
        ("2026-12-01T02:00:00+02:00", datetime!(2026-12-01 00:00:00 UTC)),
        ("2026-12-01T00:00:00", datetime!(2026-12-01 00:00:00 UTC)),
        ("2026-12-01T00:00:00.250", datetime!(2026-12-01 00:00:00.25 UTC)),
        ("2026-12-01", datetime!(2026-12-01 00:00:00 UTC)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(json!({"expires_at": text})).unwrap().expires_at(), Some(expected), "{text}");
    }
}

#[test]
fn expires_at_wins_over_expires_in() {
    let token = parse(json!({"expires_at": "2027-01-01T00:00:00Z", "expires_in": 10})).unwrap();
    assert_eq!(token.expires_at(), Some(datetime!(2027-01-01 00:00:00 UTC)));
}

#[test]
fn no_expiry_never_expires() {
    let token = parse(json!({"access_token": "a"})).unwrap();
    assert_eq!(token.expires_at(), None);
    assert!(!token.expired_at(NOW, 0));
    assert!(!token.expired_at(NOW, i64::MAX));
    assert!(!token.to_json().as_object().unwrap().contains_key("expires_at"));
}

#[test]
fn unreadable_times_are_errors_naming_the_field() {
    for bad in [json!("soon"), json!(true), json!({}), json!("2026-13-45T00:00:00Z"), json!(1e300)] {
        let error = parse(json!({"expires_at": bad})).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert!(error.message().starts_with("expires_at "), "{}", error.message());
    }
    for bad in [json!("ten"), json!([]), json!("1.5e3"), json!(9.9e300)] {
        let error = parse(json!({"expires_in": bad})).unwrap_err();
        assert!(error.message().starts_with("expires_in "), "{}", error.message());
    }
}

#[test]
fn the_error_kind_is_the_callers() {
    let error =
        TokenData::parse(json!({"expires_in": "x"}).as_object().unwrap().clone(), NOW, ErrorKind::InvalidResponse)
            .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
}

#[test]
fn expired_with_window() {
    let token = parse(json!({"expires_in": 60})).unwrap();
    assert!(!token.expired_at(NOW, 0));
    assert!(!token.expired_at(NOW, 59));
    assert!(token.expired_at(NOW, 60), "expires_at - (now + window) == 0 counts as expired");
    assert!(token.expired_at(NOW + Duration::seconds(61), 0));
    assert!(!token.expired_at(NOW + Duration::seconds(61), -2));
    assert!(token.expired_at(NOW, i64::MAX));
    assert!(!token.expired_at(NOW, i64::MIN));
}

#[test]
fn to_json_writes_iso_millis_and_keeps_every_field() {
    let token = parse(json!({"access_token": "a", "expires_in": 3600, "nested": {"x": [1, {"y": null}]}, "custom": 7}))
        .unwrap();
    assert_eq!(
        token.to_json(),
        json!({"access_token": "a", "expires_in": 3600, "nested": {"x": [1, {"y": null}]}, "custom": 7, "expires_at": "2026-11-30T19:00:00.123Z"})
    );
}

#[test]
fn to_json_round_trips_through_parse() {
    let token = parse(json!({"access_token": "a", "expires_at": "2026-12-01T02:00:00.5+02:00"})).unwrap();
    let again = parse(token.to_json()).unwrap();
    assert_eq!(again.expires_at(), token.expires_at());
    assert_eq!(again.to_json()["expires_at"], "2026-12-01T00:00:00.500Z");
}

#[test]
fn successor_keeps_the_old_refresh_token_when_none_is_sent() {
    let old = parse(json!({"access_token": "a", "refresh_token": "r1"})).unwrap();
    let next = old.successor(json!({"access_token": "b"}).as_object().unwrap().clone(), NOW).unwrap();
    assert_eq!(next.string_field("refresh_token"), Some("r1"));
    let rotated =
        old.successor(json!({"access_token": "c", "refresh_token": "r2"}).as_object().unwrap().clone(), NOW).unwrap();
    assert_eq!(rotated.string_field("refresh_token"), Some("r2"));
}

#[test]
fn debug_shows_field_names_not_values() {
    let token = parse(json!({"access_token": "bearer-xyz", "refresh_token": "r-xyz"})).unwrap();
    let debug = format!("{token:?}");
    assert!(!debug.contains("xyz"), "{debug}");
    assert!(debug.contains("access_token"));
}

#[test]
fn tokens_that_could_inject_headers_are_refused_without_being_quoted() {
    for bad in ["zz9\r\nX-Evil: 1", "zz9\n", "zz9\0", "zz9 en", "zz9\u{7f}", "zz9ö"] {
        for field in ["access_token", "refresh_token", "token_type"] {
            let mut fields = json!({"access_token": "ok", "token_type": "Bearer"});
            fields[field] = json!(bad);
            let Err(error) = parse(fields) else { panic!("{field} {bad:?} was accepted") };
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "the caller's kind");
            assert!(error.message().starts_with(field) && !error.message().contains("zz9"), "{}", error.message());
        }
    }
    assert!(parse(json!({"access_token": "a-Z_0.9~+/=!", "token_type": "Bearer"})).is_ok());
}
