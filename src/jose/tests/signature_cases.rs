//! Signatures: every supported algorithm verifies; `none`, HMAC and disallowed algorithms
//! are refused; tampered signatures and payloads fail.

use jwt_compact::{
    alg::{Hs256, Hs256Key},
    AlgorithmExt, Claims, Header,
};
use serde_json::json;

use crate::fixtures::{
    claims, jwks, keys, p256_jwk, p384_jwk, raw_token, rsa_jwk, rsa_token, signature_of, token, with_signature, TestClaims,
};
use crate::jose::{verify, Es256, Es384, JwtError, SigningAlgorithm};

const ALL: &[SigningAlgorithm] = SigningAlgorithm::ALL;

fn assert_rsa_alg_verifies(name: &str) {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("k1"), Some(name))]);
    let token = rsa_token(name, &keys.rsa_a, Some("k1"));
    let verified = verify::<TestClaims>(&token, &set, ALL).expect("verifies");
    assert_eq!(verified.claims, claims());
    assert_eq!(verified.header.alg, name);
    assert_eq!(verified.header.kid.as_deref(), Some("k1"));
}

#[test]
fn rp_idtoken_sig_rs256() {
    assert_rsa_alg_verifies("RS256");
}

#[test]
fn rs384_token_verifies() {
    assert_rsa_alg_verifies("RS384");
}

#[test]
fn rs512_token_verifies() {
    assert_rsa_alg_verifies("RS512");
}

#[test]
fn ps256_token_verifies() {
    assert_rsa_alg_verifies("PS256");
}

#[test]
fn ps384_and_ps512_tokens_verify_when_allowed() {
    assert_rsa_alg_verifies("PS384");
    assert_rsa_alg_verifies("PS512");
}

#[test]
fn es256_token_verifies() {
    let keys = keys();
    let set = jwks(&[p256_jwk(&keys.p256_a, Some("ec"), Some("ES256"))]);
    let token = token(&Es256, &keys.p256_a, Some("ec"));
    let verified = verify::<TestClaims>(&token, &set, SigningAlgorithm::DEFAULT_ALLOWED).expect("verifies");
    assert_eq!(verified.claims, claims());
}

#[test]
fn es384_token_verifies() {
    let keys = keys();
    let set = jwks(&[p384_jwk(&keys.p384, Some("ec384"), None)]);
    let token = token(&Es384, &keys.p384, Some("ec384"));
    let verified = verify::<TestClaims>(&token, &set, SigningAlgorithm::DEFAULT_ALLOWED).expect("verifies");
    assert_eq!(verified.claims, claims());
}

#[test]
fn rp_idtoken_sig_none_is_rejected() {
    let set = jwks(&[rsa_jwk(&keys().rsa_a, None, None)]);
    for header in [json!({"alg": "none"}), json!({"alg": "None"}), json!({"alg": "none", "kid": "x"})] {
        let token = raw_token(&header, &json!(claims()), b"");
        let err = verify::<TestClaims>(&token, &set, ALL).expect_err("unsigned");
        assert!(matches!(err, JwtError::AlgorithmNotAllowed(_)), "{err:?}");
    }
}

#[test]
fn hs256_keyed_with_the_rsa_public_key_is_rejected() {
    let keys = keys();
    let jwk = rsa_jwk(&keys.rsa_a, Some("k1"), None);
    let set = jwks(std::slice::from_ref(&jwk));
    // The classic confusion attack: the public key's bytes as an HMAC secret.
    let secrets = [jwk.to_string().into_bytes(), jwk["n"].as_str().expect("n").as_bytes().to_vec()];
    for secret in secrets {
        let header = Header::empty().with_key_id("k1");
        let token = Hs256.token(&header, &Claims::new(claims()), &Hs256Key::new(secret)).expect("token");
        let err = verify::<TestClaims>(&token, &set, ALL).expect_err("hmac");
        assert!(matches!(err, JwtError::AlgorithmNotAllowed(ref alg) if alg == "HS256"), "{err:?}");
    }
}

#[test]
fn algorithm_not_in_the_allowed_list_is_rejected() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let rs512 = rsa_token("RS512", &keys.rsa_a, None);
    let err = verify::<TestClaims>(&rs512, &set, &[SigningAlgorithm::Rs256]).expect_err("rs512");
    assert!(matches!(err, JwtError::AlgorithmNotAllowed(ref alg) if alg == "RS512"), "{err:?}");

    let ps384 = rsa_token("PS384", &keys.rsa_a, None);
    let err = verify::<TestClaims>(&ps384, &set, SigningAlgorithm::DEFAULT_ALLOWED).expect_err("ps384 is not a default");
    assert!(matches!(err, JwtError::AlgorithmNotAllowed(_)), "{err:?}");

    let err = verify::<TestClaims>(&rs512, &set, &[]).expect_err("nothing allowed");
    assert!(matches!(err, JwtError::AlgorithmNotAllowed(_)), "{err:?}");
}

#[test]
fn unknown_algorithm_name_is_echoed_truncated() {
    let set = jwks(&[rsa_jwk(&keys().rsa_a, None, None)]);
    let long = "X".repeat(1000);
    let token = raw_token(&json!({"alg": long}), &json!(claims()), b"sig");
    let err = verify::<TestClaims>(&token, &set, ALL).expect_err("unknown alg");
    assert!(matches!(err, JwtError::AlgorithmNotAllowed(ref alg) if alg.len() == 32), "{err:?}");
}

#[test]
fn rp_invalid_sig_rs256() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("k1"), None)]);
    let good = rsa_token("RS256", &keys.rsa_a, Some("k1"));
    let mut signature = signature_of(&good);
    if let Some(byte) = signature.get_mut(10) {
        *byte ^= 0x01;
    }
    let flipped = with_signature(&good, &signature);
    let err = verify::<TestClaims>(&flipped, &set, ALL).expect_err("flipped bit");
    assert!(matches!(err, JwtError::BadSignature), "{err:?}");

    // Right kid, wrong signer.
    let forged = rsa_token("RS256", &keys.rsa_b, Some("k1"));
    let err = verify::<TestClaims>(&forged, &set, ALL).expect_err("other key");
    assert!(matches!(err, JwtError::BadSignature), "{err:?}");

    let truncated = with_signature(&good, &signature_of(&good)[..100]);
    let err = verify::<TestClaims>(&truncated, &set, ALL).expect_err("short signature");
    assert!(matches!(err, JwtError::BadSignature), "{err:?}");
}

#[test]
fn rp_invalid_sig_es256() {
    let keys = keys();
    let set = jwks(&[p256_jwk(&keys.p256_a, Some("ec"), None)]);
    let good = token(&Es256, &keys.p256_a, Some("ec"));
    let mut signature = signature_of(&good);
    if let Some(byte) = signature.get_mut(40) {
        *byte ^= 0x80;
    }
    for bad in [
        with_signature(&good, &signature),
        token(&Es256, &keys.p256_b, Some("ec")),
        with_signature(&good, &signature_of(&good)[..63]),
        with_signature(&good, &[0; 64]),
        with_signature(&good, b""),
    ] {
        let err = verify::<TestClaims>(&bad, &set, ALL).expect_err("bad es256");
        assert!(matches!(err, JwtError::BadSignature), "{err:?}");
    }
}

#[test]
fn tampered_payload_is_bad_signature() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let good = rsa_token("RS256", &keys.rsa_a, None);
    let mut parts = good.split('.');
    let (header, _, signature) = (parts.next(), parts.next(), parts.next());
    let mut other = claims();
    other.sub = "admin".to_owned();
    let payload = crate::jose::base64url::encode(serde_json::to_string(&other).expect("json"));
    let tampered = format!("{}.{payload}.{}", header.expect("h"), signature.expect("s"));
    let err = verify::<TestClaims>(&tampered, &set, ALL).expect_err("tampered");
    assert!(matches!(err, JwtError::BadSignature), "{err:?}");
}

#[test]
fn es256_header_with_rsa_key_and_rsa_signature_is_refused() {
    // An RSA signature relabelled ES256 must not be checked against the RSA key.
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("k1"), None)]);
    let rsa_signed = rsa_token("RS256", &keys.rsa_a, Some("k1"));
    let relabelled = raw_token(&json!({"alg": "ES256", "kid": "k1"}), &json!(claims()), &signature_of(&rsa_signed));
    let err = verify::<TestClaims>(&relabelled, &set, ALL).expect_err("relabelled");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn claims_of_the_wrong_shape_are_a_claims_error_after_the_signature() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct NeedsNonce {
        nonce: String,
    }
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let token = rsa_token("RS256", &keys.rsa_a, None);
    let err = verify::<NeedsNonce>(&token, &set, ALL).expect_err("no nonce");
    assert!(matches!(err, JwtError::Claims(_)), "{err:?}");
}

#[test]
fn registered_time_claims_reach_the_caller() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let token = rsa_token("RS256", &keys.rsa_a, None);
    let verified = verify::<serde_json::Value>(&token, &set, ALL).expect("verifies");
    assert_eq!(verified.claims["exp"], json!(1_900_000_000));
    assert_eq!(verified.claims["iat"], json!(1_800_000_000));
}
