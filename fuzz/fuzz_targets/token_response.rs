//! Token endpoint answers, under every kind of status: a usable ID token only on 2xx, a
//! short printable error code on 4xx, the IdP misbehaving otherwise.
#![no_main]

use edge_sso::oidc::token::{parse_token_response, TokenError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for status in [200, 201, 204, 302, 400, 401, 403, 500, 503] {
        match parse_token_response(status, data) {
            Ok(tokens) => {
                assert!((200..300).contains(&status));
                assert!(!tokens.id_token.expose().is_empty());
            }
            Err(TokenError::Refused(code)) => {
                assert!((400..500).contains(&status));
                assert!(code.len() <= 64 && code.bytes().all(|b| b.is_ascii_graphic()), "{code:?}");
            }
            Err(TokenError::Idp(_)) => {}
        }
    }
});
