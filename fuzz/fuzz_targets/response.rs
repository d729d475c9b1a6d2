//! Token endpoint answers: the first two bytes pick the status, the rest is the body. Whatever
//! the server sends becomes a token or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauthcc::oauth::http::HttpResponse;
use oauthcc::oauth::response::{revocation, token_object};
use oauthcc::oauth::token::TokenData;
use oauthcc::ErrorKind;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_be_bytes([data[0], data[1]]) % 500;
    let response = HttpResponse::new(status, data[2..].to_vec());
    let _ = revocation("revocation endpoint", &response);
    if let Ok(object) = token_object("token endpoint", &response) {
        let now = time::OffsetDateTime::now_utc();
        if let Ok(token) = TokenData::parse(object, now, ErrorKind::InvalidResponse) {
            let _ = token.to_json();
            let _ = token.expired_at(now, i64::from(data[0]) - 128);
            let _ = token.successor(serde_json::Map::new(), now);
        }
    }
});
