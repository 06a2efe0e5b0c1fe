//! The worker's own ES256 signing key: generated or restored from a private JWK, and
//! used to sign its identity assertions.
//!
//! The key is data here (the private scalar, the public point, the `kid`) and the
//! assertion's signing input is built here; the ECDSA signature itself is made by
//! WebCrypto in the worker (the `edge` adapter imports the key once per isolate), and
//! natively by RustCrypto's `p256` ([`AssertionSigningKey::sign`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::base64url;
use crate::secret::Secret;

/// Attempts at drawing a valid P-256 scalar before giving up (each fails with
/// probability below 2⁻³²).
#[cfg(not(target_arch = "wasm32"))]
const GENERATE_ATTEMPTS: usize = 4;

/// An ES256 private key with its `kid`. `Debug` redacts the key; not `Clone`.
pub struct AssertionSigningKey {
    /// The private scalar, 32 bytes.
    d: Zeroizing<Vec<u8>>,
    kid: String,
    x: String,
    y: String,
}

/// Why a signing key could not be made, or could not sign.
#[derive(Debug, thiserror::Error)]
pub enum AssertionKeyError {
    /// The platform's random number generator failed.
    #[error("the random number generator failed")]
    Random,
    /// The private JWK is not a valid EC P-256 signing key (the reason never repeats
    /// key material).
    #[error("not an EC P-256 private signing JWK: {0}")]
    InvalidJwk(&'static str),
    /// The claims do not serialize to a JSON object.
    #[error("assertion claims must serialize to a JSON object")]
    Claims,
    /// ECDSA signing failed.
    #[error("ECDSA signing failed")]
    Signing,
}

impl AssertionSigningKey {
    /// Generates a fresh key from the platform RNG; its `kid` is its RFC 7638 thumbprint.
    /// Native builds (the worker generates with WebCrypto and restores the exported JWK
    /// with [`Self::from_private_jwk`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn generate() -> Result<Self, AssertionKeyError> {
        for _ in 0..GENERATE_ATTEMPTS {
            let mut scalar = Zeroizing::new([0_u8; 32]);
            getrandom::getrandom(scalar.as_mut_slice()).map_err(|_| AssertionKeyError::Random)?;
            // Fails only for zero or a value ≥ the group order: draw again.
            if let Ok(key) = p256::ecdsa::SigningKey::from_slice(scalar.as_slice()) {
                return Ok(Self::native(&key, None));
            }
        }
        Err(AssertionKeyError::Random)
    }

    /// Restores a key persisted with [`Self::to_private_jwk`]: `{"kty":"EC","crv":"P-256",
    /// "x","y","d"}`, optional `kid` (default: the RFC 7638 thumbprint), `alg` (must be
    /// `ES256`) and `use` (must be `sig`). `x` and `y` must match `d`: checked here in
    /// native builds, by the WebCrypto import (and a test signature) in the worker.
    pub fn from_private_jwk(json: &str) -> Result<Self, AssertionKeyError> {
        #[derive(Deserialize)]
        struct PrivateJwk {
            kty: String,
            crv: String,
            x: String,
            y: String,
            d: String,
            kid: Option<String>,
            alg: Option<String>,
            #[serde(rename = "use")]
            usage: Option<String>,
        }

        let jwk: PrivateJwk = serde_json::from_str(json)
            .map_err(|_| AssertionKeyError::InvalidJwk("expected a JSON object with string kty, crv, x, y, d"))?;
        if jwk.kty != "EC" || jwk.crv != "P-256" {
            return Err(AssertionKeyError::InvalidJwk("kty must be EC and crv P-256"));
        }
        if jwk.alg.as_deref().is_some_and(|alg| alg != "ES256") {
            return Err(AssertionKeyError::InvalidJwk("alg must be ES256"));
        }
        if jwk.usage.as_deref().is_some_and(|usage| usage != "sig") {
            return Err(AssertionKeyError::InvalidJwk("use must be sig"));
        }
        let d_text = Zeroizing::new(jwk.d);
        let d = Zeroizing::new(base64url::decode_member(&d_text).ok_or(AssertionKeyError::InvalidJwk("d is not base64url"))?);
        if d.len() != 32 {
            return Err(AssertionKeyError::InvalidJwk("d must be 32 bytes"));
        }
        let x = base64url::decode_member(&jwk.x).filter(|x| x.len() == 32).ok_or(AssertionKeyError::InvalidJwk("x must be 32 bytes"))?;
        let y = base64url::decode_member(&jwk.y).filter(|y| y.len() == 32).ok_or(AssertionKeyError::InvalidJwk("y must be 32 bytes"))?;
        let (x, y) = (base64url::encode(x), base64url::encode(y));
        #[cfg(not(target_arch = "wasm32"))]
        {
            let key =
                p256::ecdsa::SigningKey::from_slice(&d).map_err(|_| AssertionKeyError::InvalidJwk("d is not a P-256 private scalar"))?;
            let derived = Self::native(&key, None);
            if derived.x != x || derived.y != y {
                return Err(AssertionKeyError::InvalidJwk("x and y do not match d"));
            }
        }
        let kid = jwk.kid.filter(|kid| !kid.is_empty()).unwrap_or_else(|| thumbprint(&x, &y));
        Ok(Self { d, kid, x, y })
    }

    /// The private JWK to persist (restore with [`Self::from_private_jwk`]). A secret.
    pub fn to_private_jwk(&self) -> Secret {
        #[derive(Serialize)]
        struct PrivateJwk<'a> {
            kty: &'a str,
            crv: &'a str,
            x: &'a str,
            y: &'a str,
            d: &'a str,
            kid: &'a str,
            alg: &'a str,
            #[serde(rename = "use")]
            usage: &'a str,
        }

        let d = Zeroizing::new(base64url::encode(self.d.as_slice()));
        let json = serde_json::to_string(&PrivateJwk {
            kty: "EC",
            crv: "P-256",
            x: &self.x,
            y: &self.y,
            d: &d,
            kid: &self.kid,
            alg: "ES256",
            usage: "sig",
        });
        // invariant: a struct of string fields always serializes.
        Secret::new(json.unwrap_or_default())
    }

    /// The key id put in every assertion's header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK to publish: `{"kty":"EC","crv":"P-256","x","y","kid","alg":"ES256",
    /// "use":"sig"}`.
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        })
    }

    /// The compact-JWS signing input of an assertion carrying `claims` (which must
    /// serialize to a JSON object): header `{"alg":"ES256","kid":…,"typ":"JWT"}`, a dot,
    /// the claims. Sign it (ES256, raw `r || s`) and finish with [`signed`].
    pub fn signing_input<C: Serialize>(&self, claims: &C) -> Result<String, AssertionKeyError> {
        let claims = serde_json::to_value(claims).map_err(|_| AssertionKeyError::Claims)?;
        if !claims.is_object() {
            return Err(AssertionKeyError::Claims);
        }
        let header = serde_json::json!({ "alg": "ES256", "typ": "JWT", "kid": self.kid });
        let mut input = base64url::encode(header.to_string());
        input.push('.');
        input.push_str(&base64url::encode(claims.to_string()));
        Ok(input)
    }

    /// Signs `claims` as a compact JWS in pure Rust (native builds; the worker signs
    /// [`Self::signing_input`] with WebCrypto).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, AssertionKeyError> {
        let input = self.signing_input(claims)?;
        let signature = self.sign_raw(input.as_bytes())?;
        Ok(signed(input, &signature))
    }

    /// The ES256 signature (raw `r || s`, 64 bytes) of `message`, in pure Rust.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, AssertionKeyError> {
        use p256::ecdsa::{signature::Signer, Signature, SigningKey};

        let key = SigningKey::from_slice(&self.d).map_err(|_| AssertionKeyError::Signing)?;
        let signature: Signature = key.try_sign(message).map_err(|_| AssertionKeyError::Signing)?;
        Ok(signature.to_bytes().to_vec())
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn native(key: &p256::ecdsa::SigningKey, kid: Option<String>) -> Self {
        let point = key.verifying_key().to_encoded_point(false);
        // invariant: an uncompressed point (never identity for a valid key) has x and y.
        let x = point.x().map(base64url::encode).unwrap_or_default();
        let y = point.y().map(base64url::encode).unwrap_or_default();
        let kid = kid.unwrap_or_else(|| thumbprint(&x, &y));
        Self { d: Zeroizing::new(key.to_bytes().to_vec()), kid, x, y }
    }
}

/// A compact JWS: `signing_input`, a dot, the base64url `signature`.
pub fn signed(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    signing_input.push_str(&base64url::encode(signature));
    signing_input
}

impl fmt::Debug for AssertionSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionSigningKey").field("kid", &self.kid).field("key", &format_args!("[redacted]")).finish_non_exhaustive()
    }
}

/// The RFC 7638 JWK thumbprint of a P-256 public key: SHA-256 over the required members
/// in lexicographic order, base64url.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    base64url::encode(Sha256::digest(canonical.as_bytes()))
}
