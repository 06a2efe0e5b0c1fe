//! Hostile and broken token strings: always `Malformed`, never a panic.

use jwt_compact::{alg::Rsa, Algorithm, AlgorithmSignature};
use serde_json::json;

use crate::fixtures::{claims, jwks, keys, raw_token, rsa_jwk, rsa_token, TestClaims};
use crate::jose::{base64url, peek_header, verify, JwtError, SigningAlgorithm, MAX_TOKEN_BYTES};

const ALL: &[SigningAlgorithm] = SigningAlgorithm::ALL;

fn assert_malformed(token: &str) {
    let set = jwks(&[rsa_jwk(&keys().rsa_a, None, None)]);
    let err = peek_header(token).expect_err(token);
    assert!(matches!(err, JwtError::Malformed), "peek {token:?}: {err:?}");
    let err = verify::<TestClaims>(token, &set, ALL).expect_err(token);
    assert!(matches!(err, JwtError::Malformed), "verify {token:?}: {err:?}");
}

#[test]
fn malformed_token_strings_are_malformed() {
    let header = base64url::encode(r#"{"alg":"RS256"}"#);
    let payload = base64url::encode(r#"{"sub":"x"}"#);
    let cases = [
        String::new(),
        ".".to_owned(),
        "..".to_owned(),
        "...".to_owned(),
        "abc".to_owned(),
        format!("{header}.{payload}"),
        format!("{header}.{payload}.c2ln.extra"),
        format!("!!!.{payload}.c2ln"),
        format!("{header}.***.c2ln"),
        format!("{header}.{payload}.%%%"),
        format!("{header}=.{payload}.c2ln"),
        format!("{header}.{payload}==.c2ln"),
        format!(" {header}.{payload}.c2ln"),
        format!("{}.{payload}.c2ln", base64url::encode("not json")),
        format!("{}.{payload}.c2ln", base64url::encode("[]")),
        format!("{}.{payload}.c2ln", base64url::encode("{}")),
        format!("{}.{payload}.c2ln", base64url::encode(r#"{"alg":7}"#)),
        format!("{}.{payload}.c2ln", base64url::encode(r#"{"alg":"RS256","kid":7}"#)),
        format!("{}.{payload}.c2ln", base64url::encode([0xff, 0xfe, 0x00])),
        "é.é.é".to_owned(),
    ];
    for token in &cases {
        assert_malformed(token);
    }
}

#[test]
fn oversize_token_is_malformed() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    let padding = "p".repeat(MAX_TOKEN_BYTES);
    let big = raw_token(&json!({"alg": "RS256"}), &json!({"pad": padding}), b"sig");
    assert_malformed(&big);
    // A genuinely signed but oversize token is refused before any crypto.
    let err = verify::<TestClaims>(&big, &set, ALL).expect_err("oversize");
    assert!(matches!(err, JwtError::Malformed), "{err:?}");
}

#[test]
fn crit_header_is_refused() {
    let token = raw_token(&json!({"alg": "RS256", "crit": ["exp"], "exp": 1}), &json!(claims()), b"s");
    assert_malformed(&token);
}

#[test]
fn non_json_content_type_is_refused() {
    let token = raw_token(&json!({"alg": "RS256", "cty": "CBOR"}), &json!(claims()), b"s");
    assert_malformed(&token);
}

#[test]
fn signed_payload_that_is_not_json_is_a_claims_error() {
    let keys = keys();
    let set = jwks(&[rsa_jwk(&keys.rsa_a, None, None)]);
    // Sign "not json" as the payload with jwt-compact's algorithm directly.
    let signing_input = format!("{}.{}", base64url::encode(r#"{"alg":"RS256"}"#), base64url::encode("not json"));
    let signature = Rsa::rs256().sign(&keys.rsa_a, signing_input.as_bytes());
    let token = format!("{signing_input}.{}", base64url::encode(signature.as_bytes()));
    let err = verify::<TestClaims>(&token, &set, ALL).expect_err("not json");
    assert!(matches!(err, JwtError::Claims(_)), "{err:?}");
}

#[test]
fn peek_header_reads_alg_kid_and_typ_without_trust() {
    let token = raw_token(&json!({"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}), &json!(claims()), b"not a signature");
    let header = peek_header(&token).expect("header");
    assert_eq!(header.alg, "RS256");
    assert_eq!(header.kid.as_deref(), Some("k1"));
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));

    let plain = rsa_token("RS256", &keys().rsa_a, None);
    let header = peek_header(&plain).expect("header");
    assert_eq!((header.kid, header.typ), (None, None));
}

#[test]
fn peek_header_reports_unsupported_alg_verbatim() {
    let token = raw_token(&json!({"alg": "none"}), &json!(claims()), b"");
    assert_eq!(peek_header(&token).expect("header").alg, "none");
}

#[test]
fn header_with_unparseable_x5t_is_malformed() {
    // jwt-compact decodes `x5t`; a value too short to be a SHA-1 thumbprint is refused.
    let token = raw_token(&json!({"alg": "RS256", "x5t": "abc"}), &json!(claims()), b"s");
    assert_malformed(&token);
}

#[test]
fn untrusted_jwt_reads_the_issuer_once_without_trust() {
    let token = raw_token(&json!({"alg": "RS256"}), &json!({"iss": "https://idp.test"}), b"not a signature");
    let untrusted = crate::jose::UntrustedJwt::parse(&token).expect("parsed");
    assert_eq!(untrusted.unverified_issuer().as_deref(), Some("https://idp.test"));
    assert_eq!(untrusted.header().alg, "RS256");
    let no_iss = raw_token(&json!({"alg": "RS256"}), &json!({"iss": 7}), b"x");
    assert_eq!(crate::jose::UntrustedJwt::parse(&no_iss).expect("parsed").unverified_issuer(), None);
    for garbage in ["", "a", "a.b", "a.b.c.d", "e30.!!!.x"] {
        assert!(crate::jose::UntrustedJwt::parse(garbage).is_err(), "{garbage}");
    }
}
