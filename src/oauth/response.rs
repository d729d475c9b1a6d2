//! Turns an HTTP answer into a token object or a classified error.

use serde_json::{Map, Value};

use super::error::{Error, ErrorKind, OAuthErrorFields, Result};
use super::http::{is_success, status_is_retryable, HttpResponse};

/// An error about `response`: its status, body and retry advice attached. A success answer's
/// body is never kept: if it could not be used, it may still hold a fresh token.
fn response_error(response: &HttpResponse, kind: ErrorKind, message: String) -> Error {
    let error = Error::new(kind, message);
    let error = if is_success(response.status) {
        error.with_status(response.status)
    } else {
        error.with_response(response.status, &response.body)
    };
    error.with_retry(status_is_retryable(response.status), response.retry_after)
}

/// A token endpoint's answer: a 2xx JSON object without `error` is a token; anything else fails.
pub fn token_object(endpoint: &str, response: &HttpResponse) -> Result<Map<String, Value>> {
    check_status(endpoint, response)?;
    let object = match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(invalid(endpoint, response, "a JSON value that is not an object")),
        Err(_) => return Err(invalid(endpoint, response, "a body that is not JSON")),
    };
    if let Some(fields) = oauth_error_fields(&object) {
        return Err(oauth_error(endpoint, response, fields));
    }
    Ok(object)
}

/// A revocation endpoint's answer (RFC 7009): any 2xx is success, whatever its body.
pub fn revocation(endpoint: &str, response: &HttpResponse) -> Result<()> {
    check_status(endpoint, response)
}

fn check_status(endpoint: &str, response: &HttpResponse) -> Result<()> {
    let status = response.status;
    if is_success(status) {
        return Ok(());
    }
    let parsed = serde_json::from_slice::<Value>(&response.body).ok();
    if status >= 400 {
        if let Some(fields) = parsed.as_ref().and_then(Value::as_object).and_then(oauth_error_fields) {
            return Err(oauth_error(endpoint, response, fields));
        }
    }
    let why = if (300..400).contains(&status) { " (redirects are not followed)" } else { "" };
    Err(response_error(response, ErrorKind::Http, format!("{endpoint} answered HTTP {status}{why}")))
}

/// The RFC 6749 §5.2 fields, when the object has a string `error`.
fn oauth_error_fields(object: &Map<String, Value>) -> Option<OAuthErrorFields> {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(OAuthErrorFields {
        error: text("error")?,
        error_description: text("error_description"),
        error_uri: text("error_uri"),
    })
}

fn oauth_error(endpoint: &str, response: &HttpResponse, fields: OAuthErrorFields) -> Error {
    let mut message = format!("{endpoint} answered {} {}", response.status, fields.error);
    if let Some(description) = &fields.error_description {
        message.push_str(": ");
        message.push_str(description);
    }
    response_error(response, ErrorKind::OAuth, message).with_oauth(fields)
}

fn invalid(endpoint: &str, response: &HttpResponse, what: &str) -> Error {
    response_error(response, ErrorKind::InvalidResponse, format!("{endpoint} answered {} with {what}", response.status))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body.as_bytes().to_vec())
    }

    #[test]
    fn success_object_is_the_token() {
        let object = token_object("token endpoint", &answer(200, r#"{"access_token":"a","x":{"y":1}}"#)).unwrap();
        assert_eq!(object["x"]["y"], 1);
    }

    #[test]
    fn success_with_error_member_is_an_oauth_error() {
        let error = token_object("token endpoint", &answer(200, r#"{"error":"invalid_scope"}"#)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OAuth);
        assert_eq!(error.oauth().unwrap().error, "invalid_scope");
        assert_eq!(error.http_status(), Some(200));
    }

    #[test]
    fn oauth_error_body_on_401() {
        let body = r#"{"error":"invalid_client","error_description":"bad creds","error_uri":"https://e/x"}"#;
        let error = token_object("token endpoint", &answer(401, body)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OAuth);
        assert_eq!(error.message(), "token endpoint answered 401 invalid_client: bad creds");
        let fields = error.oauth().unwrap();
        assert_eq!(fields.error_description.as_deref(), Some("bad creds"));
        assert_eq!(fields.error_uri.as_deref(), Some("https://e/x"));
        assert_eq!(error.body(), Some(body));
    }

    #[test]
    fn non_oauth_error_body_is_an_http_error() {
        let error = token_object("token endpoint", &answer(502, "<html>bad gateway</html>")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Http);
        assert_eq!(error.http_status(), Some(502));
        assert!(error.oauth().is_none());
    }

    #[test]
    fn redirect_is_an_http_error_even_with_a_json_body() {
        let error = token_object("token endpoint", &answer(302, r#"{"access_token":"a"}"#)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Http);
        assert!(error.message().contains("redirects are not followed"));
    }

    #[test]
    fn success_that_is_not_a_json_object_is_invalid() {
        for body in ["not json", "[1,2]", "\"text\"", "", "{\"a\":"] {
            let error = token_object("token endpoint", &answer(200, body)).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
        }
    }

    #[test]
    fn an_unusable_success_body_is_not_kept() {
        let error = token_object("token endpoint", &answer(200, r#"{"access_token":"fresh-token-abc"#)).unwrap_err();
        assert_eq!((error.http_status(), error.body()), (Some(200), None));
        assert!(!format!("{error:?}").contains("fresh-token"));
    }

    #[test]
    fn retry_advice_follows_the_status() {
        let mut busy = answer(429, r#"{"error":"slow_down"}"#);
        busy.retry_after = Some(Duration::from_secs(3));
        let error = token_object("token endpoint", &busy).unwrap_err();
        assert!(error.retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
        assert!(token_object("token endpoint", &answer(503, "")).unwrap_err().retryable());
        assert!(!token_object("token endpoint", &answer(401, r#"{"error":"invalid_client"}"#))
            .unwrap_err()
            .retryable());
        assert!(!token_object("token endpoint", &answer(200, "nope")).unwrap_err().retryable());
    }

    #[test]
    fn revocation_accepts_an_empty_200() {
        assert!(revocation("revocation endpoint", &answer(200, "")).is_ok());
        let error =
            revocation("revocation endpoint", &answer(400, r#"{"error":"unsupported_token_type"}"#)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OAuth);
    }
}
