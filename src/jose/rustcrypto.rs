//! Signatures in pure Rust (RustCrypto's `rsa`, `p256`, `p384`): the verifier and the
//! assertion signer of native builds, the tests, the benchmarks and the fuzzers. The
//! worker uses WebCrypto instead, and this module is not compiled into it.

use jwt_compact::{
    alg::{Rsa, RsaPublicKey, RsaSignature},
    Algorithm, AlgorithmSignature,
};
use rsa::BigUint;

use super::{
    algorithm::SigningAlgorithm,
    ecdsa::{Es256, Es384},
    jwks::{PublicKey, VerifyingJwk},
    verify::SignatureVerifier,
};

/// Largest RSA modulus loaded, in bits (as in the key set's rules).
const MAX_RSA_BITS: usize = 8192;

/// The pure-Rust [`SignatureVerifier`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

impl SignatureVerifier for RustCrypto {
    async fn verifies(&self, key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        verifies(key, alg, message, signature)
    }
}

/// Whether `signature` over `message` verifies under `key` with `alg`.
pub(crate) fn verifies(key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool {
    if !key.fits(alg) {
        return false;
    }
    let Ok(signature) = RsaSignature::try_from_slice(signature) else { return false };
    match (key.public_key(), alg) {
        (PublicKey::Rsa { n, e }, _) => match (rsa_algorithm(alg), rsa_key(n, e)) {
            (Some(rsa), Some(public)) => rsa.verify_signature(&signature, &public, message),
            _ => false,
        },
        (PublicKey::P256 { x, y }, SigningAlgorithm::Es256) => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point(x, y))
            .is_ok_and(|public| Es256.verify_signature(&signature, &public, message)),
        (PublicKey::P384 { x, y }, SigningAlgorithm::Es384) => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point(x, y))
            .is_ok_and(|public| Es384.verify_signature(&signature, &public, message)),
        _ => false,
    }
}

/// Whether RustCrypto accepts the key (an EC point on its curve, an RSA key in bounds).
pub(crate) fn loads(key: &PublicKey) -> bool {
    match key {
        PublicKey::Rsa { n, e } => rsa_key(n, e).is_some(),
        PublicKey::P256 { x, y } => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point(x, y)).is_ok(),
        PublicKey::P384 { x, y } => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point(x, y)).is_ok(),
    }
}

fn rsa_key(n: &[u8], e: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::new_with_max_size(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e), MAX_RSA_BITS).ok()
}

/// jwt-compact's RSA algorithm for `alg` (never `Rsa::with_name`, which panics).
fn rsa_algorithm(alg: SigningAlgorithm) -> Option<Rsa> {
    match alg {
        SigningAlgorithm::Rs256 => Some(Rsa::rs256()),
        SigningAlgorithm::Rs384 => Some(Rsa::rs384()),
        SigningAlgorithm::Rs512 => Some(Rsa::rs512()),
        SigningAlgorithm::Ps256 => Some(Rsa::ps256()),
        SigningAlgorithm::Ps384 => Some(Rsa::ps384()),
        SigningAlgorithm::Ps512 => Some(Rsa::ps512()),
        SigningAlgorithm::Es256 | SigningAlgorithm::Es384 => None,
    }
}

/// The SEC1 uncompressed encoding `04 || x || y`.
fn point(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut point = Vec::with_capacity(1 + x.len() + y.len());
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    point
}
