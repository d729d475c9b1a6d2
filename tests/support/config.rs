//! Client configurations for the tests: one base (client `svc` against a token host) that each
//! test extends with what it is about, and the JSON helpers around it.

use oauthcc::{ClientCredentials, Error, HttpOptions};
use serde_json::{json, Map, Value};

use super::TestServer;

pub const CLIENT_ID: &str = "svc";
pub const CLIENT_SECRET: &str = "s3cret-value";

/// Client `svc` (secret `CLIENT_SECRET`) getting tokens from `token_host`, with `extra` merged in:
/// `json!({"client": {"secret": "other"}})` replaces the secret and keeps the id.
pub fn config_for(token_host: &str, extra: Value) -> Value {
    let mut config = json!({
        "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET},
        "auth": {"tokenHost": token_host},
    });
    merge(&mut config, extra);
    config
}

/// `config_for(token_host)` with this `transport` section, for the tests about the transport.
pub fn with_transport(token_host: &str, transport: Value) -> Value {
    config_for(token_host, json!({"transport": transport}))
}

/// A client of the scripted `server`: `config_for` its URL.
pub fn client_for(server: &TestServer, extra: Value) -> ClientCredentials {
    client_from(&config_for(&server.url(), extra))
}

/// A client from a configuration the test means to be valid.
pub fn client_from(config: &Value) -> ClientCredentials {
    try_client(config).expect("valid config")
}

/// A client from `config` as the JSON text an application would pass.
pub fn try_client(config: &Value) -> Result<ClientCredentials, Error> {
    ClientCredentials::from_json_str(&config.to_string())
}

/// Makes a client from `config` and gets a token: its access token, or the first error.
pub fn fetch_access_token(config: &Value) -> Result<String, Error> {
    let token = try_client(config)?.get_token(&Map::new(), &HttpOptions::default())?;
    Ok(token.access_token().unwrap_or("").to_owned())
}

/// Merges `extra` into `base`: objects key by key, at every depth; anything else is replaced.
pub fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(base), Value::Object(extra)) => {
            for (key, value) in extra {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, extra) => *base = extra,
    }
}

/// A JSON object literal as the map that params, stored tokens and options are passed as.
pub fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("a JSON object")
}
