//! Compact JWS tokens (ID tokens, logout tokens, Universal Logout JWTs): `peek_header`,
//! `UntrustedJwt::unverified_issuer` and `verify` against a fixed small key set, never panic; a
//! verified token has an allowed `alg` and the header `peek_header` saw.
#![no_main]

use edge_sso::jose::{peek_header, verify, JwtError, SigningAlgorithm, UntrustedJwt};
use edge_sso::logout::backchannel::LogoutTokenClaims;
use edge_sso::logout::universal::RevocationClaims;
use edge_sso::oidc::id_token::{self, Expected};
use edge_sso_fuzz::{jwks, CLIENT_ID, ISSUER, NONCE, NOW, REVOCATION_ENDPOINT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let peeked = peek_header(token);
    let _ = UntrustedJwt::parse(token).map(|t| t.unverified_issuer());

    let allowed_sets: [&[SigningAlgorithm]; 2] = [SigningAlgorithm::DEFAULT_ALLOWED, &[SigningAlgorithm::Es256]];
    let mut verified = false;
    for allowed in allowed_sets {
        match verify::<serde_json::Value>(token, jwks(), allowed) {
            Ok(jwt) => {
                let alg: SigningAlgorithm = jwt.header.alg.parse().expect("a verified alg is known");
                assert!(allowed.contains(&alg), "alg {alg} is not allowed");
                assert_eq!(peeked.as_ref().ok(), Some(&jwt.header), "peek_header and verify disagree");
                verified = true;
            }
            Err(JwtError::AlgorithmNotAllowed(echo)) => assert!(echo.chars().count() <= 32),
            Err(_) => {}
        }
    }
    if !verified {
        return;
    }
    // The typed claims the worker verifies into, then their rules.
    let algs = SigningAlgorithm::DEFAULT_ALLOWED;
    if verify::<serde_json::Value>(token, jwks(), algs).is_ok() {
        let nonce = edge_sso::login::Nonce::new(NONCE);
        let _ = id_token::validate(token, &Expected { issuer: ISSUER, client_id: CLIENT_ID, nonce: &nonce, now: NOW });
    }
    if let Ok(jwt) = verify::<LogoutTokenClaims>(token, jwks(), algs) {
        let _ = jwt.claims.validate(ISSUER, CLIENT_ID, NOW);
    }
    if let Ok(jwt) = verify::<RevocationClaims>(token, jwks(), algs) {
        let _ = jwt.claims.validate(ISSUER, CLIENT_ID, REVOCATION_ENDPOINT, jwt.header.typ.as_deref(), NOW);
    }
});
