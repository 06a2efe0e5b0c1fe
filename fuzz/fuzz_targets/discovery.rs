//! Discovery documents: accepted only for the configured issuer with http(s) endpoints.
#![no_main]

use edge_sso::config::http_url;
use edge_sso::oidc::discovery::{parse_provider_metadata, MAX_DISCOVERY_BYTES};
use edge_sso::oidc::IdpError;
use edge_sso_fuzz::ISSUER;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_provider_metadata(data, ISSUER) {
        Ok(meta) => {
            assert!(data.len() <= MAX_DISCOVERY_BYTES);
            assert_eq!(meta.issuer, ISSUER);
            let endpoints = [Some(&meta.authorization_endpoint), Some(&meta.token_endpoint), Some(&meta.jwks_uri)];
            let optional = [meta.userinfo_endpoint.as_ref(), meta.end_session_endpoint.as_ref()];
            for url in endpoints.into_iter().chain(optional).flatten() {
                assert!(http_url(url, "endpoint").is_ok(), "{url:?}");
            }
        }
        Err(IdpError::Misbehaving(_)) => {}
        Err(e) => panic!("a bad document is the IdP misbehaving, not {e:?}"),
    }
});
