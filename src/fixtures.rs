//! The hostile-fixture kit shared by the Rust tests, the benchmarks and the fuzz targets
//! (as the JS tests share `tests/support/test-provider.mjs`): random keys generated
//! once per run, a fixed issuer key set (RSA-2048, P-256, P-384) for reproducible
//! seeds, JWK and JWKS builders, token minting (broken tokens included), and a runner
//! for sans-IO flows. Built for `cargo test` and with the `fixtures` feature.
//!
//! Test keys only: they sign nothing but tests, benchmarks and fuzz seeds.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::OnceLock;

use jwt_compact::{
    alg::{Rsa, RsaPrivateKey, RsaPublicKey},
    Algorithm, AlgorithmExt, AlgorithmSignature, Claims, Header,
};
use rsa::{rand_core::OsRng, traits::PublicKeyParts, BigUint};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::jose::{base64url, Es256, Es384, JwkSet};
use crate::keys::DerivedKeys;
use crate::secret::Secret;

/// The claims every test token carries; `exp`/`iat` prove registered members reach `C`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestClaims {
    /// `sub`.
    pub sub: String,
    /// `exp`.
    pub exp: i64,
    /// `iat`.
    pub iat: i64,
}

/// The claims of [`token`].
pub fn claims() -> TestClaims {
    TestClaims { sub: "00u1abcd".to_owned(), exp: 1_900_000_000, iat: 1_800_000_000 }
}

/// Test keys, generated once: RSA keygen is slow in debug builds.
pub struct Keys {
    /// An RSA-2048 key.
    pub rsa_a: RsaPrivateKey,
    /// Another RSA-2048 key.
    pub rsa_b: RsaPrivateKey,
    /// A P-256 key.
    pub p256_a: p256::ecdsa::SigningKey,
    /// Another P-256 key.
    pub p256_b: p256::ecdsa::SigningKey,
    /// A P-384 key.
    pub p384: p384::ecdsa::SigningKey,
}

/// The random test keys.
pub fn keys() -> &'static Keys {
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
pub fn rsa_jwk(key: &RsaPrivateKey, kid: Option<&str>, alg: Option<&str>) -> Value {
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
pub fn p256_jwk(key: &p256::ecdsa::SigningKey, kid: Option<&str>, alg: Option<&str>) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    ec_jwk("P-256", point.x().expect("x"), point.y().expect("y"), kid, alg)
}

/// A public P-384 JWK with optional `kid` and `alg`.
pub fn p384_jwk(key: &p384::ecdsa::SigningKey, kid: Option<&str>, alg: Option<&str>) -> Value {
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
pub fn jwks_json(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).expect("jwks json")
}

/// A parsed key set listing `keys`.
pub fn jwks(keys: &[Value]) -> JwkSet {
    JwkSet::parse(&jwks_json(keys)).expect("valid jwks")
}

/// A token with the test claims, signed by jwt-compact (or our ES algorithms).
pub fn token<A: Algorithm>(alg: &A, key: &A::SigningKey, kid: Option<&str>) -> String {
    let mut header = Header::empty();
    if let Some(kid) = kid {
        header = header.with_key_id(kid);
    }
    alg.token(&header, &Claims::new(claims()), key).expect("token")
}

/// An RSA-signed token; `name` is the JWS `alg`.
pub fn rsa_token(name: &str, key: &RsaPrivateKey, kid: Option<&str>) -> String {
    token(&name.parse::<Rsa>().expect("rsa alg"), key, kid)
}

/// A token assembled from raw parts (the signature is taken as given).
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}.{}", base64url::encode(header.to_string()), base64url::encode(claims.to_string()), base64url::encode(signature))
}

/// `token` with its signature replaced by `signature`.
pub fn with_signature(token: &str, signature: &[u8]) -> String {
    let (signing_input, _) = token.rsplit_once('.').expect("three segments");
    format!("{signing_input}.{}", base64url::encode(signature))
}

/// The decoded signature of `token`.
pub fn signature_of(token: &str) -> Vec<u8> {
    let (_, signature) = token.rsplit_once('.').expect("three segments");
    base64url::decode_segment(signature).expect("base64url")
}

/// An ES256 token signed by `keys().p256_a`, with any header members and claims
/// (`header` must name `"alg": "ES256"` to verify).
pub fn es256_token(header: &Value, claims: &Value) -> String {
    use p256::ecdsa::signature::Signer;
    let input = format!("{}.{}", base64url::encode(header.to_string()), base64url::encode(claims.to_string()));
    let signature: p256::ecdsa::Signature = keys().p256_a.sign(input.as_bytes());
    format!("{input}.{}", base64url::encode(signature.to_bytes()))
}

/// Runs a sans-IO flow to completion. Fakes never wait, so one poll suffices; a flow
/// that stays pending is a bug in the fake.
pub fn run<F: std::future::Future>(flow: F) -> F::Output {
    let mut flow = std::pin::pin!(flow);
    match flow.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("a fake never waits"),
    }
}

/// The org's issuer.
pub const ISSUER: &str = "https://acme.okta.example";
/// The org's client id.
pub const CLIENT_ID: &str = "0oa1edgesso";
/// The nonce the login sent.
pub const NONCE: &str = "n-0S6_WzA2Mj";
/// The fixed clock, Unix seconds (2027-01-15).
pub const NOW: u64 = 1_800_000_000;
/// The Universal Logout endpoint, the `aud` of revocation JWTs.
pub const REVOCATION_ENDPOINT: &str = "https://app.example.com/_sso/global-token-revocation";
/// The `SSO_SESSION_SECRET` every cookie key is derived from.
pub const SESSION_SECRET: &str = "fuzz-only-session-secret-0123456789abcdef";

/// The keys derived from [`SESSION_SECRET`].
pub fn derived_keys() -> &'static DerivedKeys {
    static KEYS: OnceLock<DerivedKeys> = OnceLock::new();
    KEYS.get_or_init(|| DerivedKeys::derive(&Secret::new(SESSION_SECRET)))
}

/// Worker secrets for `client_secret_var`: only `ACME_CLIENT_SECRET` is set.
pub fn worker_secret(name: &str) -> Option<String> {
    (name == "ACME_CLIENT_SECRET").then(|| "acme-secret".to_owned())
}

const RSA_N: &str = "e20f6cc86928af54324bae75aabc9e5f90134d3db675d05ab3895a2f6cd373b413fe4900bcfe3cbce89dfb0358264398ed8840899804f3653034da16ced14323bc5108834a4dc37d6d1b3496a07a40280328793c8f3f9990b54679ef8b36a7b6158deed05eccdf8c76e1209750f7d77ae0d49604faf592f6abbf73395cb35b74a44bc2f53f794e0ebf6e2cd36baa4cc97a677784d0424ee9ce5c5fc043a5f9004f9ace818986d480997b78e48601bfe54d1a6ed3281258e84513f06502f683c491aa9f2574b59a9e9006b88069d0460c34e65132d5d017fb80c72c1bdf7e815667765e846372dc146a1ea994ec441069275b3f336b18c708e7a6c5221b3d50b3";
const RSA_E: &str = "10001";
const RSA_D: &str = "19b331e5818f0e8a6942bc0d6f3662604590ec31c7e73cf8bd7b300ae98f0b3dbdc825a48a829cda728258b72df3abb107257bb0d38791e43f1c186f34b40b08aa5acc0cf66040dea6e3763c69a2270910282f204e137cf1e6a9f7283490d220469db6e36ee3a67136fd567c881d4fc763281d50be4c8cee08e335c64a5e59ac825ca51200a9bdcdf6c2095f2b901436e0b7018dacdf53a116a175f0bc9b78f1f5c1fff6455382e54b9f47fbcaa487d520c93328725123cd217001c8092c3693c83009b43d9a15fc95c365fe5bf0a7e4f4a3aa67cfccb4547b8445d15cb60d816f470bd7f2851823a994f0791259a6a31dff69e6cccfdd11d9e0e5014df65e1";
const RSA_P: &str = "f84ad3a02556790384ecb742c8b3edec9465bea9943f354a11fd31dc675c4489df53de6b42273309d2c3079c9c8fd376fd92f4efc105f184162aa7f783282a24fb371ed074086b46f625136eedd3b495a8b0f5586b2d5540a516a2d93d3a8350e243ea4e7db76a12b61e845813a5ca8ffea98fbc04ac5487283e0de9364e1b91";
const RSA_Q: &str = "e913ebb6c2b05a8d2ddc87aa4e24bd8c1963aecccfd0818329af31a9aec9f8e72e89a0a390e31ad6d99f07b70de69192d906264511dfd8e1e557daef3af0fe2e90a3a1895824e831ff670361ae6a05158b5cca5331ac54bd3ee4b76dcb3df5e27265bf8f9012ac2997aaf48fc2e6b6d759b7d3e7229352bee5cc135243981e03";

/// The fixed issuer RSA-2048 key (`kid` `rsa-1`).
pub fn rsa_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let int = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        RsaPrivateKey::from_components(int(RSA_N), int(RSA_E), int(RSA_D), vec![int(RSA_P), int(RSA_Q)]).unwrap()
    })
}

/// The fixed issuer P-256 key (`kid` `ec-1`).
pub fn p256_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

/// The fixed issuer P-384 key (`kid` `ec-384`).
pub fn p384_key() -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[0x22; 48]).unwrap()
}

/// The JWKS document publishing the three fixed issuer keys.
pub fn issuer_jwks_json() -> &'static [u8] {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    JSON.get_or_init(|| {
        let rsa = RsaPublicKey::from(rsa_key());
        let p256 = p256_key().verifying_key().to_encoded_point(false);
        let p384 = p384_key().verifying_key().to_encoded_point(false);
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": base64url::encode(rsa.n().to_bytes_be()), "e": base64url::encode(rsa.e().to_bytes_be())},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
             "x": base64url::encode(p256.x().unwrap()), "y": base64url::encode(p256.y().unwrap())},
            {"kty": "EC", "kid": "ec-384", "crv": "P-384",
             "x": base64url::encode(p384.x().unwrap()), "y": base64url::encode(p384.y().unwrap())},
        ]});
        serde_json::to_vec(&doc).unwrap()
    })
}

/// The parsed fixed issuer key set.
pub fn issuer_jwks() -> &'static JwkSet {
    static SET: OnceLock<JwkSet> = OnceLock::new();
    SET.get_or_init(|| JwkSet::parse(issuer_jwks_json()).unwrap())
}

/// A compact JWS over `header` and `claims`, signed with the fixed issuer key for the header's
/// `alg` (`RS256`/`RS384`/`RS512`/`PS256`/`PS384`/`PS512`, `ES256`, `ES384`).
pub fn sign(header: &Value, claims: &Value) -> String {
    let alg = header["alg"].as_str().unwrap();
    let input = format!("{}.{}", base64url::encode(header.to_string()), base64url::encode(claims.to_string()));
    let signature: Vec<u8> = match alg {
        "ES256" => Es256.sign(&p256_key(), input.as_bytes()).as_bytes().into_owned(),
        "ES384" => Es384.sign(&p384_key(), input.as_bytes()).as_bytes().into_owned(),
        rsa => rsa.parse::<Rsa>().unwrap().sign(rsa_key(), input.as_bytes()).as_bytes().into_owned(),
    };
    format!("{input}.{}", base64url::encode(signature))
}

/// Unpadded base64url.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64url::encode(bytes)
}
