//! JWKS documents: parsed (keeping the usable keys) or refused, within the limits; then
//! fixed tokens signed by the test keys are verified against whatever was kept.
#![no_main]

use std::sync::OnceLock;

use edge_sso::jose::{verify, JwkSet, SigningAlgorithm, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
use edge_sso_fuzz::{sign, ISSUER};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::parse(data) else { return };
    assert!(data.len() <= MAX_JWKS_BYTES);
    assert!(set.len() + set.skipped() <= MAX_JWKS_KEYS);
    assert_eq!(set.is_empty(), set.len() == 0);
    let _ = format!("{set:?}");
    for token in tokens() {
        let _ = verify::<Value>(token, &set, SigningAlgorithm::ALL);
    }
});

/// One token per algorithm family, with and without `kid`.
fn tokens() -> &'static [String] {
    static TOKENS: OnceLock<Vec<String>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let claims = json!({"iss": ISSUER, "sub": "00u1", "exp": 1_900_000_000});
        [("RS256", Some("rsa-1")), ("PS256", None), ("ES256", Some("ec-1")), ("ES384", None)]
            .into_iter()
            .map(|(alg, kid)| sign(&json!({"alg": alg, "kid": kid}), &claims))
            .collect()
    })
}
