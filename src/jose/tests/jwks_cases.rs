//! JWKS parsing: unusable keys are skipped, documents that are not key sets or are too
//! big are refused.

use jwt_compact::alg::RsaPrivateKey;
use rsa::rand_core::OsRng;
use serde_json::{json, Value};

use crate::fixtures::{jwks, jwks_json, keys, p256_jwk, p384_jwk, rsa_jwk, rsa_token, TestClaims};
use crate::jose::{verify, JwkSet, JwksError, SigningAlgorithm, MAX_JWKS_BYTES, MAX_JWKS_KEYS};

#[test]
fn rp_ignores_unparseable_key_in_jwks() {
    let keys = keys();
    let good = rsa_jwk(&keys.rsa_a, Some("good"), Some("RS256"));
    let set = jwks(&[
        json!(42),
        json!("key"),
        json!(null),
        json!({}),
        json!({"kty": "RSA", "kid": "bad-n", "n": "!!!", "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "no-e", "n": good["n"]}),
        json!({"kty": "EC", "crv": "P-256", "kid": "short", "x": "AAAA", "y": "AAAA"}),
        json!({"kty": "EC", "crv": "P-521", "kid": "p521", "x": "AAAA", "y": "AAAA"}),
        json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
        json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        json!({"kty": "RSA", "kid": 7, "n": good["n"], "e": good["e"]}),
        good,
    ]);
    assert_eq!(set.len(), 1);
    assert_eq!(set.skipped(), 11);
    assert!(set.contains_kid("good"));
    let token = rsa_token("RS256", &keys.rsa_a, None);
    verify::<TestClaims>(&token, &set, SigningAlgorithm::DEFAULT_ALLOWED).expect("good key used");
}

#[test]
fn rsa_key_under_2048_bits_is_skipped() {
    let weak = RsaPrivateKey::new(&mut OsRng, 1024).expect("rsa keygen");
    let set = jwks(&[rsa_jwk(&weak, Some("weak"), None)]);
    assert!(set.is_empty());
    let err = verify::<TestClaims>(&rsa_token("RS256", &weak, None), &set, SigningAlgorithm::ALL).expect_err("weak key");
    assert!(matches!(err, crate::jose::JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn encryption_and_non_verify_keys_are_skipped() {
    let keys = keys();
    let mut enc = rsa_jwk(&keys.rsa_a, Some("enc"), None);
    enc["use"] = json!("enc");
    let mut sign_only = p256_jwk(&keys.p256_a, Some("sign-only"), None);
    sign_only["key_ops"] = json!(["sign"]);
    let mut verify_op = p256_jwk(&keys.p256_b, Some("verify-op"), None);
    verify_op["key_ops"] = json!(["verify"]);
    let mut sig = rsa_jwk(&keys.rsa_b, Some("sig"), None);
    sig["use"] = json!("sig");
    let set = jwks(&[enc, sign_only, verify_op, sig]);
    assert!(!set.contains_kid("enc"));
    assert!(!set.contains_kid("sign-only"));
    assert!(set.contains_kid("verify-op"));
    assert!(set.contains_kid("sig"));
}

#[test]
fn key_published_with_private_material_is_skipped() {
    let keys = keys();
    let mut leaked = p256_jwk(&keys.p256_a, Some("leaked"), None);
    leaked["d"] = json!("AAAA");
    let set = jwks(&[leaked]);
    assert!(set.is_empty());
}

#[test]
fn key_with_unusable_declared_alg_is_skipped() {
    let keys = keys();
    let set = jwks(&[
        rsa_jwk(&keys.rsa_a, Some("oaep"), Some("RSA-OAEP")),
        rsa_jwk(&keys.rsa_a, Some("hs"), Some("HS256")),
        p256_jwk(&keys.p256_a, Some("ec-as-rsa"), Some("RS256")),
        p384_jwk(&keys.p384, Some("p384-as-es256"), Some("ES256")),
        p384_jwk(&keys.p384, Some("p384"), Some("ES384")),
    ]);
    assert_eq!(set.len(), 1);
    assert!(set.contains_kid("p384"));
}

#[test]
fn off_curve_ec_point_is_skipped() {
    let keys = keys();
    let mut jwk = p256_jwk(&keys.p256_a, Some("off"), None);
    jwk["y"] = jwk["x"].clone();
    assert!(jwks(&[jwk]).is_empty());
}

#[test]
fn padded_base64url_members_are_accepted() {
    let keys = keys();
    let mut rsa = rsa_jwk(&keys.rsa_a, Some("rsa"), None);
    rsa["n"] = json!(format!("{}==", rsa["n"].as_str().expect("n")));
    let mut ec = p256_jwk(&keys.p256_a, Some("ec"), None);
    ec["x"] = json!(format!("{}=", ec["x"].as_str().expect("x")));
    ec["y"] = json!(format!("{}=", ec["y"].as_str().expect("y")));
    let set = jwks(&[rsa, ec]);
    assert!(set.contains_kid("rsa") && set.contains_kid("ec"), "{set:?}");
}

#[test]
fn document_that_is_not_a_key_set_is_refused() {
    for doc in [&b""[..], b"null", b"[]", b"{}", b"{\"keys\":{}}", b"{\"keys\":null}", b"<html>", b"{\"keys\":["] {
        let err = JwkSet::parse(doc).expect_err("not a jwks");
        assert!(matches!(err, JwksError::NotAKeySet(_)), "{err:?}");
    }
}

#[test]
fn empty_key_list_is_an_empty_set() {
    let set = JwkSet::parse(br#"{"keys":[]}"#).expect("empty set");
    assert_eq!((set.len(), set.skipped()), (0, 0));
}

#[test]
fn oversize_jwks_is_refused() {
    let padding = "x".repeat(MAX_JWKS_BYTES);
    let doc = serde_json::to_vec(&json!({"keys": [], "padding": padding})).expect("json");
    let err = JwkSet::parse(&doc).expect_err("too large");
    assert!(matches!(err, JwksError::TooLarge), "{err:?}");
}

#[test]
fn jwks_with_too_many_keys_is_refused() {
    let keys = keys();
    let key = p256_jwk(&keys.p256_a, None, None);
    let at_limit: Vec<Value> = vec![key.clone(); MAX_JWKS_KEYS];
    assert_eq!(jwks(&at_limit).len(), MAX_JWKS_KEYS);
    let over: Vec<Value> = vec![json!({}); MAX_JWKS_KEYS + 1];
    let err = JwkSet::parse(&jwks_json(&over)).expect_err("too many");
    assert!(matches!(err, JwksError::TooManyKeys), "{err:?}");
}

#[test]
fn key_set_debug_names_keys_without_dumping_them() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("k1"), None), p256_jwk(&keys.p256_a, None, None)]);
    let debug = format!("{set:?}");
    assert!(debug.contains("k1") && debug.contains("RSA-2048") && debug.contains("P-256"), "{debug}");
    assert!(debug.len() < 300, "{debug}");
}
