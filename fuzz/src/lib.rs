//! Fixtures shared by the fuzz targets: one fixed org, fixed cookie keys, a fixed clock,
//! and a small fixed key set (RSA-2048, P-256, P-384) whose private halves sign the
//! seed tokens (`cargo run --example seeds`).
//!
//! Test keys only: they sign nothing but fuzz seeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edge_sso::jose::{Es256, Es384, JwkSet};
use edge_sso::keys::DerivedKeys;
use edge_sso::secret::Secret;
use jwt_compact::alg::{Rsa, RsaPrivateKey, RsaPublicKey};
use jwt_compact::{Algorithm, AlgorithmSignature};
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use serde_json::{json, Value};

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

/// The test RSA-2048 key (`kid` `rsa-1`).
pub fn rsa_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let int = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        RsaPrivateKey::from_components(int(RSA_N), int(RSA_E), int(RSA_D), vec![int(RSA_P), int(RSA_Q)]).unwrap()
    })
}

/// The test P-256 key (`kid` `ec-1`).
pub fn p256_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

/// The test P-384 key (`kid` `ec-384`).
pub fn p384_key() -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[0x22; 48]).unwrap()
}

/// The JWKS document publishing the three test keys.
pub fn jwks_json() -> &'static [u8] {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    JSON.get_or_init(|| {
        let rsa = RsaPublicKey::from(rsa_key());
        let p256 = p256_key().verifying_key().to_encoded_point(false);
        let p384 = p384_key().verifying_key().to_encoded_point(false);
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": b64(rsa.n().to_bytes_be()), "e": b64(rsa.e().to_bytes_be())},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
             "x": b64(p256.x().unwrap()), "y": b64(p256.y().unwrap())},
            {"kty": "EC", "kid": "ec-384", "crv": "P-384",
             "x": b64(p384.x().unwrap()), "y": b64(p384.y().unwrap())},
        ]});
        serde_json::to_vec(&doc).unwrap()
    })
}

/// The parsed test key set.
pub fn jwks() -> &'static JwkSet {
    static SET: OnceLock<JwkSet> = OnceLock::new();
    SET.get_or_init(|| JwkSet::parse(jwks_json()).unwrap())
}

/// A compact JWS over `header` and `claims`, signed with the test key for the header's
/// `alg` (`RS256`/`RS384`/`RS512`/`PS256`/`PS384`/`PS512`, `ES256`, `ES384`).
pub fn sign(header: &Value, claims: &Value) -> String {
    let alg = header["alg"].as_str().unwrap();
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature: Vec<u8> = match alg {
        "ES256" => Es256.sign(&p256_key(), input.as_bytes()).as_bytes().into_owned(),
        "ES384" => Es384.sign(&p384_key(), input.as_bytes()).as_bytes().into_owned(),
        rsa => rsa.parse::<Rsa>().unwrap().sign(rsa_key(), input.as_bytes()).as_bytes().into_owned(),
    };
    format!("{input}.{}", b64(signature))
}

/// Unpadded base64url.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Splits `data` at its first newline: (first line, rest). No newline: ("", data).
pub fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&[], data),
    }
}
