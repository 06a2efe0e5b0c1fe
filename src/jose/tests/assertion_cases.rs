//! The worker's ES256 assertion key: sign → verify, persist → restore, redaction.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::fixtures::{claims, TestClaims};
use crate::jose::{base64url, peek_header, verify, AssertionKeyError, AssertionSigningKey, JwkSet, SigningAlgorithm};

fn published(key: &AssertionSigningKey) -> JwkSet {
    let doc = json!({ "keys": [key.public_jwk()] }).to_string();
    JwkSet::parse(doc.as_bytes()).expect("published jwks")
}

#[test]
fn signed_assertion_verifies_with_the_published_public_jwk() {
    let key = AssertionSigningKey::generate().expect("key");
    let token = key.sign(&claims()).expect("signed");
    let set = published(&key);
    assert!(set.contains_kid(key.kid()));
    let verified = verify::<TestClaims>(&token, &set, &[SigningAlgorithm::Es256]).expect("verifies");
    assert_eq!(verified.claims, claims());
    assert_eq!(verified.header.alg, "ES256");
    assert_eq!(verified.header.kid.as_deref(), Some(key.kid()));
    assert_eq!(verified.header.typ.as_deref(), Some("JWT"));
}

#[test]
fn assertion_does_not_verify_under_another_generated_key() {
    let signer = AssertionSigningKey::generate().expect("key");
    let other = AssertionSigningKey::generate().expect("key");
    assert_ne!(signer.kid(), other.kid());
    let token = signer.sign(&claims()).expect("signed");
    let mut jwk = other.public_jwk();
    jwk["kid"] = json!(signer.kid());
    let set = JwkSet::parse(json!({ "keys": [jwk] }).to_string().as_bytes()).expect("jwks");
    let err = verify::<TestClaims>(&token, &set, SigningAlgorithm::ALL).expect_err("wrong key");
    assert!(matches!(err, crate::jose::JwtError::BadSignature), "{err:?}");
}

#[test]
fn public_jwk_has_the_documented_members_and_no_private_part() {
    let key = AssertionSigningKey::generate().expect("key");
    let jwk = key.public_jwk();
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["crv"], "P-256");
    assert_eq!(jwk["alg"], "ES256");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["kid"], key.kid());
    assert!(jwk.get("d").is_none());
    assert_eq!(jwk.as_object().map(serde_json::Map::len), Some(7));
}

#[test]
fn kid_defaults_to_the_rfc7638_thumbprint() {
    let key = AssertionSigningKey::generate().expect("key");
    let jwk = key.public_jwk();
    // Members written in lexicographic order, compact: RFC 7638's canonical form.
    let required = json!({ "crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"] });
    let expected = base64url::encode(Sha256::digest(required.to_string().as_bytes()));
    assert_eq!(key.kid(), expected);
}

#[test]
fn private_jwk_roundtrip_keeps_key_and_kid() {
    let key = AssertionSigningKey::generate().expect("key");
    let persisted = key.to_private_jwk();
    let restored = AssertionSigningKey::from_private_jwk(persisted.expose()).expect("restored");
    assert_eq!(restored.kid(), key.kid());
    assert_eq!(restored.public_jwk(), key.public_jwk());
    let token = restored.sign(&claims()).expect("signed");
    verify::<TestClaims>(&token, &published(&key), SigningAlgorithm::ALL).expect("same key");
}

#[test]
fn private_jwk_without_kid_gets_the_thumbprint_and_custom_kid_is_kept() {
    let key = AssertionSigningKey::generate().expect("key");
    let mut jwk: serde_json::Value = serde_json::from_str(key.to_private_jwk().expose()).expect("json");
    let object = jwk.as_object_mut().expect("object");
    object.remove("kid");
    object.remove("alg");
    object.remove("use");
    let restored = AssertionSigningKey::from_private_jwk(&jwk.to_string()).expect("restored");
    assert_eq!(restored.kid(), key.kid());
    jwk["kid"] = json!("worker-2025");
    let restored = AssertionSigningKey::from_private_jwk(&jwk.to_string()).expect("restored");
    assert_eq!(restored.kid(), "worker-2025");
}

#[test]
fn invalid_private_jwks_are_refused_without_echoing_the_key() {
    let key = AssertionSigningKey::generate().expect("key");
    let good: serde_json::Value = serde_json::from_str(key.to_private_jwk().expose()).expect("json");
    let d = good["d"].as_str().expect("d").to_owned();
    let other = AssertionSigningKey::generate().expect("key").public_jwk();
    let variants = [
        ("kty", json!("RSA")),
        ("crv", json!("P-384")),
        ("alg", json!("RS256")),
        ("use", json!("enc")),
        ("d", json!("!!!")),
        ("d", json!(base64url::encode([0_u8; 32]))),
        ("d", json!(base64url::encode([1_u8; 31]))),
        ("d", json!(12345)),
        ("x", other["x"].clone()),
        ("y", other["y"].clone()),
    ];
    for (member, value) in variants {
        let mut jwk = good.clone();
        jwk[member] = value;
        let err = AssertionSigningKey::from_private_jwk(&jwk.to_string()).expect_err(member);
        assert!(matches!(err, AssertionKeyError::InvalidJwk(_)), "{member}: {err:?}");
        assert!(!err.to_string().contains(&d), "{member}: {err}");
    }
    for text in ["", "null", "{}", "[]", "not json"] {
        let err = AssertionSigningKey::from_private_jwk(text).expect_err(text);
        assert!(matches!(err, AssertionKeyError::InvalidJwk(_)), "{text}: {err:?}");
    }
}

#[test]
fn debug_of_the_signing_key_is_redacted() {
    let key = AssertionSigningKey::generate().expect("key");
    let persisted = key.to_private_jwk();
    let d: serde_json::Value = serde_json::from_str(persisted.expose()).expect("json");
    let d = d["d"].as_str().expect("d").to_owned();
    let debug = format!("{key:?}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(debug.contains(key.kid()), "{debug}");
    assert!(!debug.contains(&d), "{debug}");
    assert_eq!(format!("{persisted:?}"), "[redacted]");
}

#[test]
fn assertion_header_names_es256_jwt_and_kid() {
    let key = AssertionSigningKey::generate().expect("key");
    let token = key.sign(&json!({"sub": "worker"})).expect("signed");
    let header = peek_header(&token).expect("header");
    assert_eq!(header.alg, "ES256");
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), Some(key.kid()));
}

#[test]
fn claims_that_are_not_an_object_are_refused() {
    let key = AssertionSigningKey::generate().expect("key");
    for claims in [json!("sub"), json!([1, 2]), json!(null), json!(7)] {
        let err = key.sign(&claims).expect_err("not an object");
        assert!(matches!(err, AssertionKeyError::Claims), "{err:?}");
    }
}
