//! The shared signature vectors (`tests/vectors/signatures.json`): every token gets its
//! expected verdict from the pure-Rust verifier. `tests/e2e/signature-vectors.test.mjs`
//! runs the same file against WebCrypto in the worker.

use serde::Deserialize;

use crate::fixtures::run;
use crate::jose::{JwkSet, RustCrypto, SigningAlgorithm, UntrustedJwt};

const VECTORS: &str = include_str!("../../../tests/vectors/signatures.json");

#[derive(Deserialize)]
struct Vectors {
    jwks: serde_json::Value,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    expect: String,
    token: String,
}

/// The verdict of `token` under `keys`, every algorithm allowed.
fn verdict(token: &str, keys: &JwkSet) -> &'static str {
    let Ok(untrusted) = UntrustedJwt::parse(token) else { return "invalid" };
    let through_trait = run(untrusted.verify_with::<serde_json::Value>(keys, SigningAlgorithm::ALL, &RustCrypto)).is_ok();
    let direct = untrusted.verify::<serde_json::Value>(keys, SigningAlgorithm::ALL).is_ok();
    assert_eq!(through_trait, direct, "both native entry points agree");
    if direct {
        "valid"
    } else {
        "invalid"
    }
}

#[test]
fn shared_signature_vectors_get_their_verdicts_natively() {
    let vectors: Vectors = serde_json::from_str(VECTORS).expect("vectors file");
    let keys = JwkSet::parse(vectors.jwks.to_string().as_bytes()).expect("vector jwks");
    assert!(vectors.cases.iter().any(|c| c.expect == "valid") && vectors.cases.iter().any(|c| c.expect == "invalid"));
    let wrong: Vec<_> = vectors
        .cases
        .iter()
        .filter(|case| verdict(&case.token, &keys) != case.expect)
        .map(|case| format!("{} (expected {})", case.name, case.expect))
        .collect();
    assert!(wrong.is_empty(), "cases with the wrong verdict: {wrong:?}");
}

#[test]
fn vector_jwks_keeps_only_the_usable_keys() {
    let vectors: Vectors = serde_json::from_str(VECTORS).expect("vectors file");
    let keys = JwkSet::parse(vectors.jwks.to_string().as_bytes()).expect("vector jwks");
    // rsa-a, ec-a, ec384; not the 1024-bit key, the mislabelled curve or the off-curve point.
    assert_eq!((keys.len(), keys.skipped()), (3, 3));
}
