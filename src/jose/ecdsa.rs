//! `ES256` and `ES384` as `jwt_compact::Algorithm`s over the `p256` / `p384` crates
//! (jwt-compact's own `p256` feature does not build here).
//!
//! The signature type is jwt-compact's byte carrier [`RsaSignature`] (despite its name, a
//! plain `Vec<u8>` newtype): a signature newtype of our own would have to implement
//! `AlgorithmSignature::try_from_slice -> anyhow::Result<_>`, and `anyhow` is not a direct
//! dependency of this crate. The raw `r || s` bytes (RFC 7518 §3.4, not DER) are parsed,
//! length included, inside `verify_signature`, so a wrong-length signature just fails.

use std::borrow::Cow;

use jwt_compact::{alg::RsaSignature, Algorithm, AlgorithmSignature};
use p256::ecdsa::signature::{Signer, Verifier};

/// `ES256`: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
#[derive(Debug, Clone, Copy, Default)]
pub struct Es256;

/// `ES384`: ECDSA on P-384 with SHA-384 (RFC 7518 §3.4).
#[derive(Debug, Clone, Copy, Default)]
pub struct Es384;

impl Algorithm for Es256 {
    type SigningKey = p256::ecdsa::SigningKey;
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    type Signature = RsaSignature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("ES256")
    }

    /// Signs with an RFC 6979 deterministic nonce, for tests and test providers.
    /// [`AssertionSigningKey::sign`](super::AssertionSigningKey::sign) reports the
    /// (negligibly likely) signing failure instead of panicking like `Signer::sign`.
    fn sign(&self, signing_key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
        let signature: p256::ecdsa::Signature = signing_key.sign(message);
        carrier(&signature.to_bytes())
    }

    fn verify_signature(
        &self,
        signature: &Self::Signature,
        verifying_key: &Self::VerifyingKey,
        message: &[u8],
    ) -> bool {
        p256::ecdsa::Signature::from_slice(&signature.as_bytes())
            .is_ok_and(|signature| verifying_key.verify(message, &signature).is_ok())
    }
}

impl Algorithm for Es384 {
    type SigningKey = p384::ecdsa::SigningKey;
    type VerifyingKey = p384::ecdsa::VerifyingKey;
    type Signature = RsaSignature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("ES384")
    }

    /// Signs with an RFC 6979 deterministic nonce, for tests and test providers.
    fn sign(&self, signing_key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
        let signature: p384::ecdsa::Signature = signing_key.sign(message);
        carrier(&signature.to_bytes())
    }

    fn verify_signature(
        &self,
        signature: &Self::Signature,
        verifying_key: &Self::VerifyingKey,
        message: &[u8],
    ) -> bool {
        p384::ecdsa::Signature::from_slice(&signature.as_bytes())
            .is_ok_and(|signature| verifying_key.verify(message, &signature).is_ok())
    }
}

/// Wraps signature bytes in jwt-compact's carrier type.
#[allow(clippy::expect_used)]
fn carrier(bytes: &[u8]) -> RsaSignature {
    RsaSignature::try_from_slice(bytes)
        .expect("invariant: RsaSignature::try_from_slice only copies the bytes and never fails")
}
