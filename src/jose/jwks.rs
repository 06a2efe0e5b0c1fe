//! JSON Web Key Sets (RFC 7517): an issuer's published keys, reduced to the ones that
//! can verify signatures.

use std::fmt;

use serde::Deserialize;

use super::{
    algorithm::{KeyKind, SigningAlgorithm},
    base64url,
};

/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Largest number of keys (usable or not) a JWKS may list.
pub const MAX_JWKS_KEYS: usize = 100;
/// RSA keys below this modulus size are skipped (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;
/// RSA keys above this modulus size are skipped (verification cost bound).
const MAX_RSA_BITS: usize = 8192;
/// Smallest RSA public exponent accepted (the `rsa` crate's bound).
const MIN_RSA_EXPONENT: u64 = 2;
/// Largest RSA public exponent accepted (the `rsa` crate's bound, 2³³ − 1).
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

/// The signature-verifying public keys of one issuer.
///
/// Only usable keys are kept: unparseable ones, unsupported types and curves, RSA keys
/// under 2048 bits, keys meant for encryption, and keys published with private material
/// are skipped (OIDF `oidcc-client-test-ignores-unparseable-key-in-jwks`).
#[derive(Clone, Default, PartialEq, Eq)]
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
    pub fn keys(&self) -> &[VerifyingJwk] {
        &self.keys
    }
}

impl fmt::Debug for JwkSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwkSet").field("keys", &self.keys).field("skipped", &self.skipped).finish()
    }
}

/// One usable key: its id, its declared algorithm, and its public material. The material
/// is kept as bytes: the signature itself is checked by a [`SignatureVerifier`](super::SignatureVerifier)
/// (WebCrypto in the worker, RustCrypto natively).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingJwk {
    pub(crate) kid: Option<String>,
    alg: Option<SigningAlgorithm>,
    key: PublicKey,
}

/// The public material of a usable key, as its JWK members decode (big-endian, no
/// leading zeros for RSA; coordinates of exactly the curve's size for EC).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// An RSA key of 2048 to 8192 bits; exponent between 2 and 2³³ − 1.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// A P-256 point (32-byte coordinates).
    P256 {
        /// The x coordinate.
        x: Vec<u8>,
        /// The y coordinate.
        y: Vec<u8>,
    },
    /// A P-384 point (48-byte coordinates).
    P384 {
        /// The x coordinate.
        x: Vec<u8>,
        /// The y coordinate.
        y: Vec<u8>,
    },
}

impl VerifyingJwk {
    /// Whether this key may verify `alg`: right key type, and the JWK's own `alg` (if
    /// any) is `alg`.
    pub fn fits(&self, alg: SigningAlgorithm) -> bool {
        self.key.kind() == alg.key_kind() && self.alg.is_none_or(|own| own == alg)
    }

    /// The key's id, if the issuer named it.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The public material.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// A usable key from one public JWK, as a key set would keep it (the worker checks
    /// its assertion key with it).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn from_public_jwk(jwk: &serde_json::Value) -> Option<Self> {
        Self::from_json(jwk.clone())
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
                let (x, y) = coordinates(raw.x.as_deref()?, raw.y.as_deref()?, 32)?;
                PublicKey::P256 { x, y }
            }
            ("EC", Some("P-384")) => {
                let (x, y) = coordinates(raw.x.as_deref()?, raw.y.as_deref()?, 48)?;
                PublicKey::P384 { x, y }
            }
            _ => return None,
        };
        if alg.is_some_and(|alg| alg.key_kind() != key.kind()) {
            return None;
        }
        // Natively the key must also load (an EC point on its curve): the native verifier
        // is the only check there. In the worker, a key WebCrypto refuses to import
        // verifies nothing.
        #[cfg(not(target_arch = "wasm32"))]
        if !super::rustcrypto::loads(&key) {
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
    pub(crate) fn kind(&self) -> KeyKind {
        match self {
            Self::Rsa { .. } => KeyKind::Rsa,
            Self::P256 { .. } => KeyKind::P256,
            Self::P384 { .. } => KeyKind::P384,
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { n, .. } => write!(f, "RSA-{}", bits(n)),
            Self::P256 { .. } => f.write_str("EC P-256"),
            Self::P384 { .. } => f.write_str("EC P-384"),
        }
    }
}

/// An RSA public key of an accepted size from its JWK members (the bounds the `rsa`
/// crate applies, so that both verifiers see the same keys).
fn rsa_key(n: &str, e: &str) -> Option<PublicKey> {
    let n = without_leading_zeros(base64url::decode_member(n)?);
    let e = without_leading_zeros(base64url::decode_member(e)?);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits(&n)) || e.len() > 8 {
        return None;
    }
    let exponent = e.iter().fold(0_u64, |acc, byte| (acc << 8) | u64::from(*byte));
    if !(MIN_RSA_EXPONENT..=MAX_RSA_EXPONENT).contains(&exponent) {
        return None;
    }
    Some(PublicKey::Rsa { n, e })
}

/// The size in bits of a big-endian unsigned integer without leading zero bytes.
fn bits(be: &[u8]) -> usize {
    match be.first() {
        Some(first) => be.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn without_leading_zeros(mut be: Vec<u8>) -> Vec<u8> {
    let zeros = be.iter().take_while(|byte| **byte == 0).count();
    be.drain(..zeros);
    be
}

/// JWK coordinates of exactly `len` bytes each (RFC 7518 §6.2.1.2).
fn coordinates(x: &str, y: &str, len: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let x = base64url::decode_member(x)?;
    let y = base64url::decode_member(y)?;
    (x.len() == len && y.len() == len).then_some((x, y))
}

/// The structural bounds alone (the worker has no RustCrypto behind them).
#[cfg(test)]
mod structural_tests {
    use super::{base64url, bits, coordinates, rsa_key, PublicKey};

    fn modulus(bits: usize) -> String {
        let mut n = vec![0xff_u8; bits.div_ceil(8)];
        n[0] = 0xff >> (n.len() * 8 - bits);
        // A leading zero byte, as some publishers send, is not counted.
        base64url::encode([&[0_u8][..], &n].concat())
    }

    #[test]
    fn rsa_bounds_are_the_rsa_crates() {
        let e = |value: u64| base64url::encode(value.to_be_bytes());
        assert!(rsa_key(&modulus(2048), &e(65537)).is_some());
        assert!(rsa_key(&modulus(8192), &e(3)).is_some());
        assert!(rsa_key(&modulus(2047), &e(65537)).is_none(), "under 2048 bits");
        assert!(rsa_key(&modulus(8193), &e(65537)).is_none(), "over 8192 bits");
        assert!(rsa_key(&modulus(2048), &e(1)).is_none(), "exponent 1");
        assert!(rsa_key(&modulus(2048), &e((1 << 33) - 1)).is_some());
        assert!(rsa_key(&modulus(2048), &e(1 << 33)).is_none(), "exponent over 2^33 - 1");
        assert!(rsa_key(&modulus(2048), &base64url::encode([1_u8; 9])).is_none(), "exponent of 9 bytes");
        match rsa_key(&modulus(2048), &e(65537)) {
            Some(PublicKey::Rsa { n, e }) => assert_eq!((bits(&n), e), (2048, vec![1, 0, 1]), "leading zeros dropped"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ec_coordinates_must_have_the_curve_size() {
        let c = |len: usize| base64url::encode(vec![7_u8; len]);
        assert!(coordinates(&c(32), &c(32), 32).is_some());
        assert!(coordinates(&c(31), &c(32), 32).is_none());
        assert!(coordinates(&c(48), &c(48), 32).is_none(), "a P-384 point labelled P-256");
        assert!(coordinates("not base64!", &c(32), 32).is_none());
    }
}
