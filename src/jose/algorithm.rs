//! The JWS signature algorithms edge-sso accepts, by name, and the key each one needs.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// An asymmetric JWS signature algorithm (RFC 7518 §3) that edge-sso can verify.
///
/// There is deliberately no `none` and no `HS*`: an unsigned token, or an HMAC keyed with
/// a public key, can never be represented, let alone allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
}

/// The kind of public key an algorithm verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// An RSA key of at least 2048 bits.
    Rsa,
    /// An EC key on P-256.
    P256,
    /// An EC key on P-384.
    P384,
}

impl SigningAlgorithm {
    /// The algorithms accepted when the configuration names none (protocols.md, ID token
    /// validation step 1): RS256, RS384, RS512, PS256, ES256, ES384.
    pub const DEFAULT_ALLOWED: &'static [Self] = &[Self::Rs256, Self::Rs384, Self::Rs512, Self::Ps256, Self::Es256, Self::Es384];

    /// Every algorithm edge-sso implements.
    pub const ALL: &'static [Self] =
        &[Self::Rs256, Self::Rs384, Self::Rs512, Self::Ps256, Self::Ps384, Self::Ps512, Self::Es256, Self::Es384];

    /// The registered JWS name, as in a token's `alg` header (`"RS256"`…).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
        }
    }

    /// The kind of key that can verify this algorithm's signatures.
    pub(crate) const fn key_kind(self) -> KeyKind {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => KeyKind::Rsa,
            Self::Es256 => KeyKind::P256,
            Self::Es384 => KeyKind::P384,
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the algorithms edge-sso implements (including `none` and
/// every `HS*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported signature algorithm {0:?}")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for SigningAlgorithm {
    type Err = UnknownAlgorithm;

    /// Parses a registered JWS name; the match is exact (`"rs256"` is not `RS256`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|alg| alg.as_str() == name).ok_or_else(|| UnknownAlgorithm(name.to_owned()))
    }
}

impl TryFrom<String> for SigningAlgorithm {
    type Error = UnknownAlgorithm;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<SigningAlgorithm> for &'static str {
    fn from(alg: SigningAlgorithm) -> Self {
        alg.as_str()
    }
}
