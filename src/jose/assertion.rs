//! The worker's own ES256 signing key: generated or restored from a private JWK, and
//! used to sign its identity assertions.

use std::fmt;

use p256::{
    ecdsa::{signature::Signer, Signature, SigningKey},
    elliptic_curve::zeroize::Zeroizing,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::base64url;
use crate::secret::Secret;

/// Attempts at drawing a valid P-256 scalar before giving up (each fails with
/// probability below 2⁻³²).
const GENERATE_ATTEMPTS: usize = 4;

/// An ES256 private key with its `kid`. `Debug` redacts the key; not `Clone`.
pub struct AssertionSigningKey {
    key: SigningKey,
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
    /// Generates a fresh key from the platform RNG (`crypto.getRandomValues` in Workers);
    /// its `kid` is its RFC 7638 thumbprint.
    pub fn generate() -> Result<Self, AssertionKeyError> {
        for _ in 0..GENERATE_ATTEMPTS {
            let mut scalar = Zeroizing::new([0_u8; 32]);
            getrandom::getrandom(scalar.as_mut_slice()).map_err(|_| AssertionKeyError::Random)?;
            // Fails only for zero or a value ≥ the group order: draw again.
            if let Ok(key) = SigningKey::from_slice(scalar.as_slice()) {
                return Ok(Self::new(key, None));
            }
        }
        Err(AssertionKeyError::Random)
    }

    /// Restores a key persisted with [`Self::to_private_jwk`]: `{"kty":"EC","crv":"P-256",
    /// "x","y","d"}`, optional `kid` (default: the RFC 7638 thumbprint), `alg` (must be
    /// `ES256`) and `use` (must be `sig`). `x` and `y` must match `d`.
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
        let key = SigningKey::from_slice(&d).map_err(|_| AssertionKeyError::InvalidJwk("d is not a P-256 private scalar"))?;
        let restored = Self::new(key, jwk.kid.filter(|kid| !kid.is_empty()));
        let same_point = base64url::decode_member(&jwk.x) == base64url::decode_member(&restored.x)
            && base64url::decode_member(&jwk.y) == base64url::decode_member(&restored.y);
        if !same_point {
            return Err(AssertionKeyError::InvalidJwk("x and y do not match d"));
        }
        Ok(restored)
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

        let d = Zeroizing::new(base64url::encode(self.key.to_bytes()));
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

    /// Signs `claims` (which must serialize to a JSON object) as a compact JWS with header
    /// `{"alg":"ES256","kid":…,"typ":"JWT"}`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, AssertionKeyError> {
        let claims = serde_json::to_value(claims).map_err(|_| AssertionKeyError::Claims)?;
        if !claims.is_object() {
            return Err(AssertionKeyError::Claims);
        }
        let header = serde_json::json!({ "alg": "ES256", "typ": "JWT", "kid": self.kid });
        let mut token = base64url::encode(header.to_string());
        token.push('.');
        token.push_str(&base64url::encode(claims.to_string()));
        let signature: Signature = self.key.try_sign(token.as_bytes()).map_err(|_| AssertionKeyError::Signing)?;
        token.push('.');
        token.push_str(&base64url::encode(signature.to_bytes()));
        Ok(token)
    }

    fn new(key: SigningKey, kid: Option<String>) -> Self {
        let point = key.verifying_key().to_encoded_point(false);
        // invariant: an uncompressed point (never identity for a valid key) has x and y.
        let x = point.x().map(base64url::encode).unwrap_or_default();
        let y = point.y().map(base64url::encode).unwrap_or_default();
        let kid = kid.unwrap_or_else(|| thumbprint(&x, &y));
        Self { key, kid, x, y }
    }
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
