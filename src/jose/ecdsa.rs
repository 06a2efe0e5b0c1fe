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

/// Defines `$name`, the JWS algorithm `$jws` over the `$curve` crate's ECDSA (RFC 7518 §3.4).
macro_rules! ecdsa_algorithm {
    ($(#[$doc:meta])* $name:ident, $curve:ident, $jws:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Algorithm for $name {
            type SigningKey = $curve::ecdsa::SigningKey;
            type VerifyingKey = $curve::ecdsa::VerifyingKey;
            type Signature = RsaSignature;

            fn name(&self) -> Cow<'static, str> {
                Cow::Borrowed($jws)
            }

            /// Signs with an RFC 6979 deterministic nonce, for tests and test providers.
            /// [`AssertionSigningKey::sign`](super::AssertionSigningKey::sign) reports the
            /// (negligibly likely) signing failure instead of panicking like `Signer::sign`.
            fn sign(&self, signing_key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
                let signature: $curve::ecdsa::Signature = signing_key.sign(message);
                carrier(&signature.to_bytes())
            }

            fn verify_signature(&self, signature: &Self::Signature, verifying_key: &Self::VerifyingKey, message: &[u8]) -> bool {
                $curve::ecdsa::Signature::from_slice(&signature.as_bytes())
                    .is_ok_and(|signature| verifying_key.verify(message, &signature).is_ok())
            }
        }
    };
}

ecdsa_algorithm!(
    /// `ES256`: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
    Es256, p256, "ES256"
);
ecdsa_algorithm!(
    /// `ES384`: ECDSA on P-384 with SHA-384 (RFC 7518 §3.4).
    Es384, p384, "ES384"
);

/// Wraps signature bytes in jwt-compact's carrier type.
#[allow(clippy::expect_used)]
fn carrier(bytes: &[u8]) -> RsaSignature {
    RsaSignature::try_from_slice(bytes).expect("invariant: RsaSignature::try_from_slice only copies the bytes and never fails")
}
