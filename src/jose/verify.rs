//! Verifying a compact-JWS JWT against an issuer's key set: algorithm allow-list, key
//! selection by `kid` and type, signature, then claims.

use jwt_compact::UntrustedToken;
use serde::{de::DeserializeOwned, Deserialize};

use super::{algorithm::SigningAlgorithm, base64url, jwks::JwkSet, jwks::VerifyingJwk};

/// Longest token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// How much of an unaccepted `alg` value an error repeats.
const MAX_ECHOED_ALG_CHARS: usize = 32;

/// The JOSE header members that matter to a relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    /// The signature algorithm the token claims (untrusted until verified).
    pub alg: String,
    /// The id of the signing key, if the issuer named it.
    pub kid: Option<String>,
    /// The token type (`JWT`, `logout+jwt`, `global-token-revocation+jwt`…), if any.
    pub typ: Option<String>,
}

/// A token whose signature verified under an allowed algorithm and an issuer key.
/// Time, `iss` and `aud` are still the caller's to check.
#[derive(Debug, Clone)]
pub struct VerifiedJwt<C> {
    /// The token's header.
    pub header: JwtHeader,
    /// The token's claims, as the caller's type.
    pub claims: C,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Not a compact JWS: wrong segment count, bad base64url or JSON, a `crit` header,
    /// a non-JSON `cty`, or longer than [`MAX_TOKEN_BYTES`].
    #[error("malformed token")]
    Malformed,
    /// The `alg` is `none`, an `HS*`, unknown, or not in the allowed list (the value,
    /// truncated, is kept for logs).
    #[error("signature algorithm {0:?} is not allowed")]
    AlgorithmNotAllowed(String),
    /// The header names a `kid` that no usable key has: the caller may refetch the
    /// issuer's key set once (rate-limited) and retry.
    #[error("no usable key has the token's key id")]
    UnknownKeyId,
    /// No usable key (of the named `kid`, if any) has the type and `alg` the token needs.
    #[error("no usable key fits the token's algorithm")]
    NoMatchingKey,
    /// No candidate key verifies the signature.
    #[error("bad signature")]
    BadSignature,
    /// The signed claims do not deserialize into the caller's type.
    #[error("token claims do not have the expected shape: {0}")]
    Claims(serde_json::Error),
}

/// Checks one signature with one key: WebCrypto in the worker (the `edge` adapter),
/// [`RustCrypto`](super::RustCrypto) natively. Async because WebCrypto is.
#[allow(async_fn_in_trait)]
pub trait SignatureVerifier {
    /// Whether `signature` over `message` verifies under `key` with `alg`. A key the
    /// implementation cannot use (one WebCrypto refuses to import) verifies nothing.
    async fn verifies(&self, key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool;
}

/// Reads a token's header without verifying anything, so that the caller can decide,
/// from the `kid`, whether its cached key set is current.
pub fn peek_header(token: &str) -> Result<JwtHeader, JwtError> {
    UntrustedJwt::parse(token).map(|untrusted| untrusted.header)
}

/// Verifies a token's signature and deserializes its claims.
///
/// The header `alg` must be one of `allowed`. Candidate keys: with a `kid`, the keys of
/// that id; without, every key. Of those, only keys of the algorithm's type (RSA for
/// `RS*`/`PS*`, P-256 for `ES256`, P-384 for `ES384`) whose JWK `alg`, if any, equals the
/// header's are tried; the token is accepted if any one verifies. No time, `iss` or `aud`
/// check is made here. Pure Rust (native builds only; the worker goes through
/// [`UntrustedJwt::verify_with`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn verify<C: DeserializeOwned>(token: &str, keys: &JwkSet, allowed: &[SigningAlgorithm]) -> Result<VerifiedJwt<C>, JwtError> {
    UntrustedJwt::parse(token)?.verify(keys, allowed)
}

/// A compact JWS split and decoded once, trusted for nothing: its header and `iss`
/// choose the keys, then [`UntrustedJwt::verify`] makes it a [`VerifiedJwt`].
pub struct UntrustedJwt<'a> {
    token: &'a str,
    untrusted: UntrustedToken<'a, HeaderExtensions>,
    header: JwtHeader,
    /// The decoded claims segment.
    payload: Vec<u8>,
}

impl<'a> UntrustedJwt<'a> {
    /// Splits and decodes `token` (bounded in size, no `crit`).
    pub fn parse(token: &'a str) -> Result<Self, JwtError> {
        let untrusted = parse(token)?;
        let header = header_of(&untrusted);
        // invariant: `parse` accepted exactly three segments.
        let payload = token.split('.').nth(1).and_then(base64url::decode_segment).ok_or(JwtError::Malformed)?;
        Ok(Self { token, untrusted, header, payload })
    }

    /// The header, as sent.
    pub fn header(&self) -> &JwtHeader {
        &self.header
    }

    /// The `iss` claim, read without trusting it (to choose whose keys verify it).
    pub fn unverified_issuer(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Iss {
            iss: Option<String>,
        }
        serde_json::from_slice::<Iss>(&self.payload).ok()?.iss
    }

    /// The `sub` claim, read without trusting it (Universal Logout: the app's client id,
    /// which with `iss` chooses the org).
    pub fn unverified_subject(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Sub {
            sub: Option<String>,
        }
        serde_json::from_slice::<Sub>(&self.payload).ok()?.sub
    }

    /// Verifies the signature with `keys` (see [`verify`]) in pure Rust and deserializes
    /// the claims (native builds only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify<C: DeserializeOwned>(&self, keys: &JwkSet, allowed: &[SigningAlgorithm]) -> Result<VerifiedJwt<C>, JwtError> {
        let (alg, candidates, signing_input) = self.candidates(keys, allowed)?;
        let signature = self.untrusted.signature_bytes();
        if !candidates.iter().any(|key| super::rustcrypto::verifies(key, alg, signing_input, signature)) {
            return Err(JwtError::BadSignature);
        }
        self.verified()
    }

    /// Verifies the signature with `keys` (see [`verify`]), each candidate key tried in
    /// turn by `verifier`, and deserializes the claims.
    pub async fn verify_with<C: DeserializeOwned>(
        &self,
        keys: &JwkSet,
        allowed: &[SigningAlgorithm],
        verifier: &impl SignatureVerifier,
    ) -> Result<VerifiedJwt<C>, JwtError> {
        let (alg, candidates, signing_input) = self.candidates(keys, allowed)?;
        let signature = self.untrusted.signature_bytes();
        for key in candidates {
            if verifier.verifies(key, alg, signing_input, signature).await {
                return self.verified();
            }
        }
        Err(JwtError::BadSignature)
    }

    /// The allowed algorithm, the keys to try and the signing input.
    fn candidates<'k>(
        &self,
        keys: &'k JwkSet,
        allowed: &[SigningAlgorithm],
    ) -> Result<(SigningAlgorithm, Vec<&'k VerifyingJwk>, &'a [u8]), JwtError> {
        let header = &self.header;
        let alg = header
            .alg
            .parse::<SigningAlgorithm>()
            .ok()
            .filter(|alg| allowed.contains(alg))
            .ok_or_else(|| JwtError::AlgorithmNotAllowed(echoed(&header.alg)))?;
        let candidates = candidates(keys, alg, header.kid.as_deref())?;
        // invariant: `parse` accepted exactly three segments, so the split finds a dot.
        let (signing_input, _) = self.token.rsplit_once('.').ok_or(JwtError::Malformed)?;
        Ok((alg, candidates, signing_input.as_bytes()))
    }

    /// The claims, once a signature verified.
    fn verified<C: DeserializeOwned>(&self) -> Result<VerifiedJwt<C>, JwtError> {
        let claims = serde_json::from_slice(&self.payload).map_err(JwtError::Claims)?;
        Ok(VerifiedJwt { header: self.header.clone(), claims })
    }
}

/// Header members beyond those jwt-compact reads.
#[derive(Debug, Clone, Deserialize)]
struct HeaderExtensions {
    /// RFC 7515 §4.1.11: extensions the recipient must understand. edge-sso understands
    /// none, so any `crit` refuses the token.
    crit: Option<serde::de::IgnoredAny>,
}

/// Splits and decodes a compact JWS, bounded in size; no trust.
fn parse(token: &str) -> Result<UntrustedToken<'_, HeaderExtensions>, JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwtError::Malformed);
    }
    let untrusted = UntrustedToken::<HeaderExtensions>::try_from(token).map_err(|_| JwtError::Malformed)?;
    if untrusted.header().other_fields.crit.is_some() {
        return Err(JwtError::Malformed);
    }
    Ok(untrusted)
}

fn header_of(untrusted: &UntrustedToken<'_, HeaderExtensions>) -> JwtHeader {
    JwtHeader { alg: untrusted.algorithm().to_owned(), kid: untrusted.header().key_id.clone(), typ: untrusted.header().token_type.clone() }
}

/// The keys to try, per the key selection rules (protocols.md, ID token step 2–3).
fn candidates<'k>(keys: &'k JwkSet, alg: SigningAlgorithm, kid: Option<&str>) -> Result<Vec<&'k VerifyingJwk>, JwtError> {
    let named: Vec<_> = match kid {
        Some(kid) => keys.keys().iter().filter(|key| key.kid.as_deref() == Some(kid)).collect(),
        None => keys.keys().iter().collect(),
    };
    if kid.is_some() && named.is_empty() {
        return Err(JwtError::UnknownKeyId);
    }
    let fitting: Vec<_> = named.into_iter().filter(|key| key.fits(alg)).collect();
    if fitting.is_empty() {
        return Err(JwtError::NoMatchingKey);
    }
    Ok(fitting)
}

/// An untrusted `alg` value, cut short enough to log.
fn echoed(alg: &str) -> String {
    alg.chars().take(MAX_ECHOED_ALG_CHARS).collect()
}
