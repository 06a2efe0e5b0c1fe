//! Key selection: by `kid` when present, every fitting key when absent, never a key of
//! the wrong type or declared algorithm.

use crate::fixtures::{jwks, keys, p256_jwk, p384_jwk, rsa_jwk, rsa_token, token, TestClaims};
use crate::jose::{verify, Es256, JwtError, SigningAlgorithm};

const DEFAULTS: &[SigningAlgorithm] = SigningAlgorithm::DEFAULT_ALLOWED;

#[test]
fn rp_kid_absent_single_jwks() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("only"), None)]);
    let token = rsa_token("RS256", &keys.rsa_a, None);
    let verified = verify::<TestClaims>(&token, &set, DEFAULTS).expect("single key");
    assert_eq!(verified.header.kid, None);
}

#[test]
fn rp_kid_absent_multiple_jwks() {
    let keys = keys();
    // The signer is listed last, after another RSA key and EC keys.
    let set = jwks(&[
        rsa_jwk(&keys.rsa_a, Some("a"), None),
        p256_jwk(&keys.p256_a, Some("ec"), None),
        p384_jwk(&keys.p384, None, None),
        rsa_jwk(&keys.rsa_b, Some("b"), None),
    ]);
    let rsa_signed = rsa_token("RS256", &keys.rsa_b, None);
    verify::<TestClaims>(&rsa_signed, &set, DEFAULTS).expect("rsa key b found");
    let ec_signed = token(&Es256, &keys.p256_a, None);
    verify::<TestClaims>(&ec_signed, &set, DEFAULTS).expect("ec key found");
}

#[test]
fn kid_absent_and_no_key_verifies_is_bad_signature() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("a"), None), rsa_jwk(&keys.rsa_a, None, None)]);
    let token = rsa_token("RS256", &keys.rsa_b, None);
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("no verifying key");
    assert!(matches!(err, JwtError::BadSignature), "{err:?}");
}

#[test]
fn kid_absent_and_no_key_of_the_type_is_no_matching_key() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None), p384_jwk(&keys.p384, None, None)]);
    let token = token(&Es256, &keys.p256_a, None);
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("no P-256 key");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn unknown_kid_asks_for_a_refetch() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("old"), None)]);
    let token = rsa_token("RS256", &keys.rsa_a, Some("new"));
    assert!(!set.contains_kid("new"));
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("unknown kid");
    assert!(matches!(err, JwtError::UnknownKeyId), "{err:?}");
}

#[test]
fn kid_is_never_matched_to_a_key_without_kid() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let token = rsa_token("RS256", &keys.rsa_a, Some("k1"));
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("kid not listed");
    assert!(matches!(err, JwtError::UnknownKeyId), "{err:?}");
}

#[test]
fn rp_signing_key_rotation_verifies_after_refetch() {
    let keys = keys();
    let before = jwks(&[rsa_jwk(&keys.rsa_a, Some("2024"), None)]);
    let token = rsa_token("RS256", &keys.rsa_b, Some("2025"));
    let err = verify::<TestClaims>(&token, &before, DEFAULTS).expect_err("not yet published");
    assert!(matches!(err, JwtError::UnknownKeyId), "{err:?}");
    let after = jwks(&[rsa_jwk(&keys.rsa_a, Some("2024"), None), rsa_jwk(&keys.rsa_b, Some("2025"), None)]);
    assert!(after.contains_kid("2025"));
    verify::<TestClaims>(&token, &after, DEFAULTS).expect("rotated key");
}

#[test]
fn kid_shared_by_several_keys_tries_each() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("same"), None), rsa_jwk(&keys.rsa_b, Some("same"), None)]);
    let token = rsa_token("RS256", &keys.rsa_b, Some("same"));
    verify::<TestClaims>(&token, &set, DEFAULTS).expect("second key of the kid");
}

#[test]
fn kid_of_a_key_of_the_wrong_type_is_no_matching_key() {
    let keys = keys();
    let set = jwks(&[p256_jwk(&keys.p256_a, Some("k1"), None), rsa_jwk(&keys.rsa_a, Some("k2"), None)]);
    let token = rsa_token("RS256", &keys.rsa_a, Some("k1"));
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("kid names an EC key");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn es384_token_is_not_checked_against_a_p256_key() {
    let keys = keys();
    let set = jwks(&[p256_jwk(&keys.p256_a, Some("k1"), None)]);
    let token = token(&crate::jose::Es384, &keys.p384, Some("k1"));
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("curve mismatch");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn jwk_alg_mismatch_is_no_matching_key() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, Some("k1"), Some("RS512"))]);
    let token = rsa_token("RS256", &keys.rsa_a, Some("k1"));
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("key is for RS512");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");

    let token = rsa_token("RS256", &keys.rsa_a, None);
    let err = verify::<TestClaims>(&token, &set, DEFAULTS).expect_err("kid absent too");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
}

#[test]
fn jwk_alg_mismatch_skips_that_key_but_not_the_others() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, Some("PS256")), rsa_jwk(&keys.rsa_a, None, Some("RS256"))]);
    let token = rsa_token("RS256", &keys.rsa_a, None);
    verify::<TestClaims>(&token, &set, DEFAULTS).expect("RS256-labelled key");
}

#[test]
fn empty_key_set_verifies_nothing() {
    let set = jwks(&[]);
    assert!(set.is_empty());
    let keys = keys();
    let err = verify::<TestClaims>(&rsa_token("RS256", &keys.rsa_a, None), &set, DEFAULTS).expect_err("no keys");
    assert!(matches!(err, JwtError::NoMatchingKey), "{err:?}");
    let err = verify::<TestClaims>(&rsa_token("RS256", &keys.rsa_a, Some("k")), &set, DEFAULTS).expect_err("no keys");
    assert!(matches!(err, JwtError::UnknownKeyId), "{err:?}");
}
