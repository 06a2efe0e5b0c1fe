//! JOSE: verifying signed JWTs (ID tokens, back-channel logout tokens, Universal Logout
//! JWTs) against an issuer's JWKS, and signing the worker's own ES256 assertions.
//!
//! Pure and sans-IO: callers fetch key sets, and check time, `iss` and `aud` with their
//! own `now` once [`verify`] has vouched for the signature.

mod algorithm;
mod assertion;
pub(crate) mod base64url;
mod ecdsa;
mod jwks;
mod verify;

#[cfg(test)]
mod tests;

pub use algorithm::{SigningAlgorithm, UnknownAlgorithm};
pub use assertion::{AssertionKeyError, AssertionSigningKey};
pub use ecdsa::{Es256, Es384};
pub use jwks::{JwkSet, JwksError, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
pub use verify::{peek_header, verify, JwtError, JwtHeader, UntrustedJwt, VerifiedJwt, MAX_TOKEN_BYTES};
