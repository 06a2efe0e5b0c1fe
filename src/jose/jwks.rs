//! JSON Web Key Sets (RFC 7517): an issuer's published keys, reduced to the ones that
//! can verify signatures.

use std::fmt;

use jwt_compact::{
    alg::{Rsa, RsaPublicKey, RsaSignature},
    Algorithm,
};
use rsa::{traits::PublicKeyParts, BigUint};
use serde::Deserialize;

use super::{
    algorithm::{KeyKind, SigningAlgorithm},
    base64url,
    ecdsa::{Es256, Es384},
};

/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Largest number of keys (usable or not) a JWKS may list.
pub const MAX_JWKS_KEYS: usize = 100;
/// RSA keys below this modulus size are skipped (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;
/// RSA keys above this modulus size are skipped (verification cost bound).
const MAX_RSA_BITS: usize = 8192;

/// The signature-verifying public keys of one issuer.
///
/// Only usable keys are kept: unparseable ones, unsupported types and curves, RSA keys
/// under 2048 bits, keys meant for encryption, and keys published with private material
/// are skipped (OIDF `oidcc-client-test-ignores-unparseable-key-in-jwks`).
#[derive(Clone, Default)]
pub struct JwkSet {
    keys: Vec<VerifyingJwk>,
    skipped: usize,
}

/// Why a JWKS document was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The document is larger than [`MAX_JWKS_BYTES`].
    #[error("key set document is larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    /// The document lists more than [`MAX_JWKS_KEYS`] keys.
    #[error("key set lists more than {MAX_JWKS_KEYS} keys")]
    TooManyKeys,
    /// The document is not a JSON object with a `keys` array.
    #[error("not a JSON web key set: {0}")]
    NotAKeySet(serde_json::Error),
}

impl JwkSet {
    /// Parses a JWKS document (`{"keys":[…]}`), keeping the usable keys. An empty usable
    /// set is not an error (every verification against it fails).
    pub fn parse(json: &[u8]) -> Result<Self, JwksError> {
        /// The document shape; each key is examined on its own.
        #[derive(Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }

        if json.len() > MAX_JWKS_BYTES {
            return Err(JwksError::TooLarge);
        }
        let document: Document = serde_json::from_slice(json).map_err(JwksError::NotAKeySet)?;
        if document.keys.len() > MAX_JWKS_KEYS {
            return Err(JwksError::TooManyKeys);
        }
        let listed = document.keys.len();
        let keys: Vec<_> = document.keys.into_iter().filter_map(VerifyingJwk::from_json).collect();
        Ok(Self { skipped: listed - keys.len(), keys })
    }

    /// Whether some usable key has this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid.as_deref() == Some(kid))
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many listed keys were skipped as unusable (worth a log line, never an error).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The usable keys.
    pub(crate) fn keys(&self) -> &[VerifyingJwk] {
        &self.keys
    }
}

impl fmt::Debug for JwkSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwkSet").field("keys", &self.keys).field("skipped", &self.skipped).finish()
    }
}

/// One usable key: its id, its declared algorithm, and the key itself.
#[derive(Clone)]
pub(crate) struct VerifyingJwk {
    pub(crate) kid: Option<String>,
    alg: Option<SigningAlgorithm>,
    key: PublicKey,
}

#[derive(Clone)]
enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl VerifyingJwk {
    /// Whether this key may verify `alg`: right key type, and the JWK's own `alg` (if
    /// any) is `alg`.
    pub(crate) fn fits(&self, alg: SigningAlgorithm) -> bool {
        self.key.kind() == alg.key_kind() && self.alg.is_none_or(|own| own == alg)
    }

    /// Whether `signature` over `message` verifies under this key with `alg`.
    pub(crate) fn verifies(&self, alg: SigningAlgorithm, signature: &RsaSignature, message: &[u8]) -> bool {
        if !self.fits(alg) {
            return false;
        }
        match &self.key {
            PublicKey::Rsa(key) => rsa_algorithm(alg).is_some_and(|rsa| rsa.verify_signature(signature, key, message)),
            PublicKey::P256(key) => Es256.verify_signature(signature, key, message),
            PublicKey::P384(key) => Es384.verify_signature(signature, key, message),
        }
    }

    /// A usable key from one JWKS entry, or `None` to skip it.
    fn from_json(value: serde_json::Value) -> Option<Self> {
        /// The members edge-sso reads; others are ignored.
        #[derive(Deserialize)]
        struct RawJwk {
            kty: String,
            kid: Option<String>,
            #[serde(rename = "use")]
            usage: Option<String>,
            key_ops: Option<Vec<String>>,
            alg: Option<String>,
            crv: Option<String>,
            x: Option<String>,
            y: Option<String>,
            n: Option<String>,
            e: Option<String>,
            d: Option<serde::de::IgnoredAny>,
        }

        let raw: RawJwk = serde_json::from_value(value).ok()?;
        // A key whose private half is published proves nothing.
        let public_only = raw.d.is_none();
        let for_signatures = raw.usage.as_deref().is_none_or(|usage| usage == "sig");
        let may_verify = raw.key_ops.as_ref().is_none_or(|ops| ops.iter().any(|op| op == "verify"));
        if !(public_only && for_signatures && may_verify) {
            return None;
        }
        let alg = match raw.alg.as_deref() {
            Some(name) => Some(name.parse::<SigningAlgorithm>().ok()?),
            None => None,
        };
        let key = match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => rsa_key(raw.n.as_deref()?, raw.e.as_deref()?)?,
            ("EC", Some("P-256")) => {
                let point = uncompressed_point(raw.x.as_deref()?, raw.y.as_deref()?, 32)?;
                PublicKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok()?)
            }
            ("EC", Some("P-384")) => {
                let point = uncompressed_point(raw.x.as_deref()?, raw.y.as_deref()?, 48)?;
                PublicKey::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok()?)
            }
            _ => return None,
        };
        if alg.is_some_and(|alg| alg.key_kind() != key.kind()) {
            return None;
        }
        Some(Self { kid: raw.kid, alg, key })
    }
}

impl fmt::Debug for VerifyingJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk").field("kid", &self.kid).field("alg", &self.alg).field("key", &self.key).finish()
    }
}

impl PublicKey {
    fn kind(&self) -> KeyKind {
        match self {
            Self::Rsa(_) => KeyKind::Rsa,
            Self::P256(_) => KeyKind::P256,
            Self::P384(_) => KeyKind::P384,
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa(key) => write!(f, "RSA-{}", key.n().bits()),
            Self::P256(_) => f.write_str("EC P-256"),
            Self::P384(_) => f.write_str("EC P-384"),
        }
    }
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

/// An RSA public key of an accepted size from its JWK members.
fn rsa_key(n: &str, e: &str) -> Option<PublicKey> {
    let n = BigUint::from_bytes_be(&base64url::decode_member(n)?);
    let e = BigUint::from_bytes_be(&base64url::decode_member(e)?);
    if n.bits() < MIN_RSA_BITS {
        return None;
    }
    RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).ok().map(PublicKey::Rsa)
}

/// The SEC1 uncompressed encoding `04 || x || y` of JWK coordinates of exactly `len`
/// bytes each (RFC 7518 §6.2.1.2).
fn uncompressed_point(x: &str, y: &str, len: usize) -> Option<Vec<u8>> {
    let x = base64url::decode_member(x)?;
    let y = base64url::decode_member(y)?;
    if x.len() != len || y.len() != len {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * len);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Some(point)
}
