//! Shared test keys (generated once per test run) and token / JWKS builders.

use std::sync::OnceLock;

use jwt_compact::{
    alg::{Rsa, RsaPrivateKey, RsaPublicKey},
    Algorithm, AlgorithmExt, Claims, Header,
};
use rsa::{rand_core::OsRng, traits::PublicKeyParts};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::jose::{base64url, JwkSet};

/// The claims every test token carries; `exp`/`iat` prove registered members reach `C`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct TestClaims {
    pub(super) sub: String,
    pub(super) exp: i64,
    pub(super) iat: i64,
}

pub(super) fn claims() -> TestClaims {
    TestClaims { sub: "00u1abcd".to_owned(), exp: 1_900_000_000, iat: 1_800_000_000 }
}

/// Test keys, generated once: RSA keygen is slow in debug builds.
pub(super) struct Keys {
    pub(super) rsa_a: RsaPrivateKey,
    pub(super) rsa_b: RsaPrivateKey,
    pub(super) p256_a: p256::ecdsa::SigningKey,
    pub(super) p256_b: p256::ecdsa::SigningKey,
    pub(super) p384: p384::ecdsa::SigningKey,
}

pub(super) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa_a: RsaPrivateKey::new(&mut OsRng, 2048).expect("rsa keygen"),
        rsa_b: RsaPrivateKey::new(&mut OsRng, 2048).expect("rsa keygen"),
        p256_a: p256::ecdsa::SigningKey::random(&mut OsRng),
        p256_b: p256::ecdsa::SigningKey::random(&mut OsRng),
        p384: p384::ecdsa::SigningKey::random(&mut OsRng),
    })
}

/// A public RSA JWK with optional `kid` and `alg`.
pub(super) fn rsa_jwk(key: &RsaPrivateKey, kid: Option<&str>, alg: Option<&str>) -> Value {
    let public = RsaPublicKey::from(key);
    let mut jwk = json!({
        "kty": "RSA",
        "n": base64url::encode(public.n().to_bytes_be()),
        "e": base64url::encode(public.e().to_bytes_be()),
    });
    with_kid_alg(&mut jwk, kid, alg);
    jwk
}

/// A public P-256 JWK with optional `kid` and `alg`.
pub(super) fn p256_jwk(key: &p256::ecdsa::SigningKey, kid: Option<&str>, alg: Option<&str>) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    ec_jwk("P-256", point.x().expect("x"), point.y().expect("y"), kid, alg)
}

/// A public P-384 JWK with optional `kid` and `alg`.
pub(super) fn p384_jwk(key: &p384::ecdsa::SigningKey, kid: Option<&str>, alg: Option<&str>) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    ec_jwk("P-384", point.x().expect("x"), point.y().expect("y"), kid, alg)
}

/// A public EC JWK of curve `crv` from its affine coordinates.
fn ec_jwk(crv: &str, x: &[u8], y: &[u8], kid: Option<&str>, alg: Option<&str>) -> Value {
    let mut jwk = json!({ "kty": "EC", "crv": crv, "x": base64url::encode(x), "y": base64url::encode(y) });
    with_kid_alg(&mut jwk, kid, alg);
    jwk
}

fn with_kid_alg(jwk: &mut Value, kid: Option<&str>, alg: Option<&str>) {
    if let Some(kid) = kid {
        jwk["kid"] = json!(kid);
    }
    if let Some(alg) = alg {
        jwk["alg"] = json!(alg);
    }
}

/// The JWKS document listing `keys`.
pub(super) fn jwks_json(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).expect("jwks json")
}

/// A parsed key set listing `keys`.
pub(super) fn jwks(keys: &[Value]) -> JwkSet {
    JwkSet::parse(&jwks_json(keys)).expect("valid jwks")
}

/// A token with the test claims, signed by jwt-compact (or our ES algorithms).
pub(super) fn token<A: Algorithm>(alg: &A, key: &A::SigningKey, kid: Option<&str>) -> String {
    let mut header = Header::empty();
    if let Some(kid) = kid {
        header = header.with_key_id(kid);
    }
    alg.token(&header, &Claims::new(claims()), key).expect("token")
}

/// An RSA-signed token; `name` is the JWS `alg`.
pub(super) fn rsa_token(name: &str, key: &RsaPrivateKey, kid: Option<&str>) -> String {
    token(&name.parse::<Rsa>().expect("rsa alg"), key, kid)
}

/// A token assembled from raw parts (the signature is taken as given).
pub(super) fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}.{}", base64url::encode(header.to_string()), base64url::encode(claims.to_string()), base64url::encode(signature))
}

/// `token` with its signature replaced by `signature`.
pub(super) fn with_signature(token: &str, signature: &[u8]) -> String {
    let (signing_input, _) = token.rsplit_once('.').expect("three segments");
    format!("{signing_input}.{}", base64url::encode(signature))
}

/// The decoded signature of `token`.
pub(super) fn signature_of(token: &str) -> Vec<u8> {
    let (_, signature) = token.rsplit_once('.').expect("three segments");
    base64url::decode_segment(signature).expect("base64url")
}
