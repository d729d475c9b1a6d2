//! Builds the HTTP request for a grant or a revocation: parameters in simple-oauth2's order,
//! the body in the configured format, client authentication, and headers by precedence.

use serde_json::{Map, Value};
use url::Url;
use zeroize::Zeroize;

use super::config::{AuthorizationMethod, BodyFormat, Config, HttpOptions};
use super::credentials::basic_authorization;
use super::error::{Error, Result};
use super::http::HttpRequest;
use super::json_fields::type_name;
use super::secret::Secret;

/// Body parameters in the order they are sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Vec<(String, Value)>);

impl Params {
    /// `grant_type`, then the caller's params as given (a `grant_type` among them replaces the
    /// default in place), then `extra` (which wins over a caller's key of the same name), then
    /// `scope` joined with `separator`.
    pub fn for_grant(
        grant_type: &str,
        params: &Map<String, Value>,
        extra: &[(&str, &str)],
        separator: &str,
    ) -> Result<Self> {
        let mut out = Params(vec![("grant_type".into(), Value::String(grant_type.into()))]);
        for (key, value) in params {
            match key.as_str() {
                "scope" => {}
                "grant_type" => out.0[0].1 = value.clone(),
                _ => out.0.push((key.clone(), value.clone())),
            }
        }
        for (key, value) in extra {
            out.set_last(key, Value::String((*value).into()));
        }
        if let Some(scope) = scope_param(params.get("scope"), separator)? {
            out.set_last("scope", Value::String(scope));
        }
        Ok(out)
    }

    /// Parameters given in full, such as a revocation's `token` and `token_type_hint`.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Params(pairs.iter().map(|(k, v)| ((*k).into(), Value::String((*v).into()))).collect())
    }

    /// Puts `key` last, dropping any earlier value.
    fn set_last(&mut self, key: &str, value: Value) {
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.into(), value));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The `scope` param as the caller gave it: one string, or a list of strings.
pub(crate) enum Scope<'a> {
    Text(&'a str),
    List(Vec<&'a str>),
}

impl<'a> Scope<'a> {
    /// Reads `params.scope`: absent or null is `None`; anything but a string or an array of
    /// strings is an argument error.
    pub(crate) fn from_param(scope: Option<&'a Value>) -> Result<Option<Self>> {
        match scope {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Scope::Text(text))),
            Some(Value::Array(items)) => items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()
                .map(|list| Some(Scope::List(list)))
                .ok_or_else(|| Error::invalid_argument("params.scope must be a string or an array of strings")),
            Some(other) => Err(Error::invalid_argument(format!(
                "params.scope must be a string or an array of strings, not {}",
                type_name(other)
            ))),
        }
    }
}

/// The scope parameter to send: a string as is, a list joined with `separator`.
fn scope_param(scope: Option<&Value>, separator: &str) -> Result<Option<String>> {
    Ok(Scope::from_param(scope)?.map(|scope| match scope {
        Scope::Text(text) => text.to_owned(),
        Scope::List(list) => list.join(separator),
    }))
}

/// Builds a POST to `url` carrying `params`, authenticated as the configured client.
pub fn build(config: &Config, url: &Url, mut params: Params, call: &HttpOptions) -> Result<HttpRequest> {
    let client = &config.client;
    let mut own_headers = Vec::new();
    match config.options.authorization_method {
        AuthorizationMethod::Header => {
            let value = client
                .basic_authorization
                .get_or_init(|| Secret::new(basic_authorization(client, config.options.credentials_encoding)));
            own_headers.push(("Authorization".into(), value.expose().to_owned()))
        }
        AuthorizationMethod::Body => {
            params.set_last(&client.id_param_name, Value::String(client.id.clone()));
            params.set_last(&client.secret_param_name, Value::String(client.secret.expose().into()));
        }
    }
    let (content_type, body) = match config.options.body_format {
        BodyFormat::Form => ("application/x-www-form-urlencoded", form_body(&params)?),
        BodyFormat::Json => ("application/json", json_body(&params)),
    };
    own_headers.push(("Content-Type".into(), content_type.into()));

    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    for (name, value) in config.http.headers.iter().chain(&call.headers).chain(&own_headers) {
        headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    Ok(HttpRequest { url: url.clone(), headers, body, timeout: call.timeout.or(config.http.timeout) })
}

fn form_body(params: &Params) -> Result<Vec<u8>> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &params.0 {
        match value {
            Value::Array(items) => {
                for item in items {
                    form.append_pair(key, &form_value(key, item)?);
                }
            }
            _ => {
                form.append_pair(key, &form_value(key, value)?);
            }
        }
    }
    Ok(form.finish().into_bytes())
}

fn form_value(key: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
        Value::Array(_) | Value::Object(_) => Err(Error::invalid_argument(format!(
            "params.{key}: {} cannot be sent in a form body (use bodyFormat \"json\")",
            type_name(value)
        ))),
    }
}

fn json_body(params: &Params) -> Vec<u8> {
    let object = zeroize::Zeroizing::new(Value::Object(params.0.iter().cloned().collect()).to_string());
    object.as_bytes().to_vec()
}

impl Drop for Params {
    // In body mode the params hold the client secret; a refresh's hold the refresh token.
    fn drop(&mut self) {
        for (_, value) in &mut self.0 {
            if let Value::String(text) = value {
                text.zeroize();
            }
        }
    }
}

#[cfg(test)]
mod tests;
