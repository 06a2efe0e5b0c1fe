//! JOSE: verifying signed JWTs (ID tokens, back-channel logout tokens, Universal Logout
//! JWTs) against an issuer's JWKS, and signing the worker's own ES256 assertions.
//!
//! Pure and sans-IO: callers fetch key sets, and check time, `iss` and `aud` with their
//! own `now` once the signature is vouched for. The signature check itself is a
//! [`SignatureVerifier`] ([`UntrustedJwt::verify_with`]): WebCrypto in the worker, and in
//! native builds [`RustCrypto`] (also behind the synchronous `verify`), which is not
//! compiled into the wasm.

mod algorithm;
mod assertion;
pub(crate) mod base64url;
#[cfg(not(target_arch = "wasm32"))]
mod ecdsa;
mod jwks;
#[cfg(not(target_arch = "wasm32"))]
mod rustcrypto;
mod verify;

#[cfg(test)]
mod tests;

pub use algorithm::{SigningAlgorithm, UnknownAlgorithm};
pub use assertion::{signed, AssertionKeyError, AssertionSigningKey};
#[cfg(not(target_arch = "wasm32"))]
pub use ecdsa::{Es256, Es384};
pub use jwks::{JwkSet, JwksError, PublicKey, VerifyingJwk, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
#[cfg(not(target_arch = "wasm32"))]
pub use rustcrypto::RustCrypto;
#[cfg(not(target_arch = "wasm32"))]
pub use verify::verify;
pub use verify::{peek_header, JwtError, JwtHeader, SignatureVerifier, UntrustedJwt, VerifiedJwt, MAX_TOKEN_BYTES};
