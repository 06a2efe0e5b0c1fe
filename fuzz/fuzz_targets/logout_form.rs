//! The back-channel logout request body (`application/x-www-form-urlencoded`): the
//! `logout_token` is found or refused, then read and verified as the worker does.
#![no_main]

use edge_sso::jose::{peek_header, verify, SigningAlgorithm, UntrustedJwt};
use edge_sso::logout::backchannel::{logout_token_from_form, BackchannelError, LogoutTokenClaims, MAX_FORM_BYTES};
use edge_sso_fuzz::{jwks, CLIENT_ID, ISSUER, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let token = match logout_token_from_form(data) {
        Ok(token) => token,
        Err(e) => return assert_eq!(e, BackchannelError::MissingToken),
    };
    assert!(!token.is_empty() && data.len() <= MAX_FORM_BYTES);
    let _ = peek_header(&token);
    let _ = UntrustedJwt::parse(&token).map(|t| t.unverified_issuer());
    if let Ok(jwt) = verify::<LogoutTokenClaims>(&token, jwks(), SigningAlgorithm::DEFAULT_ALLOWED) {
        let _ = jwt.claims.validate(ISSUER, CLIENT_ID, NOW);
    }
});
