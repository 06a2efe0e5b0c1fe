//! ID-token claim rules (OpenID Connect Core §3.1.3.7), applied after the signature
//! was verified by [`crate::jose::verify`]: openidconnect's `IdTokenVerifier` (with its
//! signature check off: the signature is ours) checks `iss`, `aud`, `exp` and `nonce`;
//! edge-sso adds `azp`, `iat`, `nbf`, a non-empty `sub` and bounds on every kept claim.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeyType, CoreJsonWebKeyUse, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, IdTokenVerifier, IssuerUrl, JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, JsonWebKeySet,
    SignatureVerificationError,
};
use serde::{Deserialize, Serialize};

use crate::login::Nonce;
use crate::user::User;

/// Clock skew tolerated on `iat`/`exp`/`nbf`, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// Longest string claim kept (email, name, sub…).
pub const MAX_CLAIM_LEN: usize = 1024;

/// `aud`: one string or several.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `client_id` is an audience.
    pub fn contains(&self, client_id: &str) -> bool {
        match self {
            Self::One(a) => a == client_id,
            Self::Many(all) => all.iter().any(|a| a == client_id),
        }
    }

    /// Number of audiences.
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(all) => all.len(),
        }
    }

    /// No audience at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The claims edge-sso reads beyond openidconnect's standard set.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    /// `nbf`, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<f64>,
    /// The IdP session id (back-channel logout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

impl openidconnect::AdditionalClaims for ExtraClaims {}

/// The key type openidconnect's verifier is instantiated with: no key material, and it
/// verifies nothing. Signatures are [`crate::jose`]'s (allowed algorithms, key
/// selection, the unknown-`kid` refetch), and the verifier's own signature check is
/// off; this type also keeps openidconnect's key handling (and its crypto) out of the
/// worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NoKey {
    kty: CoreJsonWebKeyType,
}

impl JsonWebKey for NoKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = CoreJwsSigningAlgorithm;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        None
    }

    fn key_type(&self) -> &CoreJsonWebKeyType {
        &self.kty
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        None
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&CoreJwsSigningAlgorithm> {
        JsonWebKeyAlgorithm::Unsupported
    }

    fn new_symmetric(_key: Vec<u8>) -> Self {
        Self { kty: CoreJsonWebKeyType::Symmetric }
    }

    fn verify_signature(
        &self,
        _alg: &CoreJwsSigningAlgorithm,
        _message: &[u8],
        _signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        Err(SignatureVerificationError::Other("signatures are verified by edge-sso's jose module".to_owned()))
    }

    fn hash_bytes(&self, _bytes: &[u8], _alg: &CoreJwsSigningAlgorithm) -> Result<Vec<u8>, String> {
        Err("not used: no at_hash or c_hash check".to_owned())
    }
}

/// An ID token as openidconnect types it.
type OidcIdToken = openidconnect::IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// The claims of an ID token that passed every rule.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedIdToken {
    /// `sub`.
    pub subject: String,
    /// `email`.
    pub email: Option<String>,
    /// `name` (or given + family name, or `preferred_username`).
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// The IdP session id.
    pub sid: Option<String>,
    /// `email_verified` as the IdP sent it for `email` (`None`: not sent).
    pub email_verified: Option<bool>,
    /// `iat`, Unix seconds (a login older than the user's last IdP logout makes no session).
    pub issued_at: u64,
}

impl std::fmt::Debug for VerifiedIdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifiedIdToken([personal data])")
    }
}

/// Why an ID token was refused (→ 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// `iss` is not the org's issuer.
    #[error("iss does not match the issuer")]
    Issuer,
    /// `aud` is missing or does not contain the client id.
    #[error("aud does not contain the client id")]
    Audience,
    /// Several audiences and no (or a wrong) `azp`.
    #[error("azp is missing or is not the client id")]
    AuthorizedParty,
    /// `exp` missing or passed.
    #[error("the token has expired")]
    Expired,
    /// `iat` missing or absurd.
    #[error("iat is missing or in the future")]
    IssuedAt,
    /// `nbf` in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `nonce` missing or not the one sent.
    #[error("nonce does not match")]
    Nonce,
    /// `sub` missing or empty.
    #[error("sub is missing")]
    Subject,
    /// A claim is unreasonably long.
    #[error("a claim is too long")]
    Oversized,
    /// A required claim (`iss`, `sub`, `aud`, `exp`, `iat`) is missing, or a claim has
    /// the wrong type.
    #[error("the token's claims do not have the expected shape")]
    Malformed,
}

/// What the token must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The org's issuer.
    pub issuer: &'a str,
    /// The org's client id.
    pub client_id: &'a str,
    /// The nonce sent in the authorization request.
    pub nonce: &'a Nonce,
    /// Unix seconds.
    pub now: u64,
}

/// Applies every claim rule to `token`, an ID token whose signature
/// [`crate::jose::verify`] accepted; returns the user's identity.
pub fn validate(token: &str, expected: &Expected<'_>) -> Result<VerifiedIdToken, IdTokenError> {
    let token = OidcIdToken::from_str(token).map_err(|_| IdTokenError::Malformed)?;
    let issuer = IssuerUrl::new(expected.issuer.to_owned()).map_err(|_| IdTokenError::Issuer)?;
    let skew = CLOCK_SKEW_SECS as i64;
    let now = i64::try_from(expected.now).unwrap_or(i64::MAX);
    // `exp` + skew must be after now: openidconnect compares `exp` with now − skew.
    let shifted = DateTime::<Utc>::from_timestamp(now.saturating_sub(skew), 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let verifier =
        IdTokenVerifier::<NoKey>::new_public_client(ClientId::new(expected.client_id.to_owned()), issuer, JsonWebKeySet::new(Vec::new()))
            // The signature was verified by `jose` (allowed algorithms, key selection, refetch).
            .insecure_disable_signature_check()
            .allow_all_jose_types()
            // Other audiences are allowed when `azp` is the client (checked below).
            .set_other_audience_verifier_fn(|_| true)
            .set_time_fn(move || shifted);
    let nonce_check = |sent: Option<&openidconnect::Nonce>| match sent {
        Some(n) if expected.nonce.matches(n.secret()) => Ok(()),
        _ => Err("nonce does not match".to_owned()),
    };
    let claims = token.claims(&verifier, nonce_check).map_err(|e| match e {
        ClaimsVerificationError::InvalidIssuer(_) => IdTokenError::Issuer,
        ClaimsVerificationError::InvalidAudience(_) => IdTokenError::Audience,
        ClaimsVerificationError::Expired(_) => IdTokenError::Expired,
        ClaimsVerificationError::InvalidNonce(_) => IdTokenError::Nonce,
        _ => IdTokenError::Malformed,
    })?;

    let audiences = claims.audiences();
    match claims.authorized_party() {
        Some(azp) if azp.as_str() != expected.client_id => return Err(IdTokenError::AuthorizedParty),
        None if audiences.len() > 1 => return Err(IdTokenError::AuthorizedParty),
        _ => {}
    }
    let extra = claims.additional_claims();
    check_times(Some(claims.expiration().timestamp() as f64), Some(claims.issue_time().timestamp() as f64), extra.nbf, expected.now)?;

    let subject = claims.subject().as_str();
    if subject.is_empty() {
        return Err(IdTokenError::Subject);
    }
    let email = claims.email().map(|e| e.as_str());
    let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str());
    let given_name = claims.given_name().and_then(|n| n.get(None)).map(|n| n.as_str());
    let family_name = claims.family_name().and_then(|n| n.get(None)).map(|n| n.as_str());
    let preferred_username = claims.preferred_username().map(|n| n.as_str());
    let sid = extra.sid.as_deref();
    let kept = [Some(subject), email, name, given_name, family_name, sid, preferred_username];
    if kept.iter().flatten().any(|v| v.len() > MAX_CLAIM_LEN) {
        return Err(IdTokenError::Oversized);
    }
    let (given_name, family_name) = (given_name.map(str::to_owned), family_name.map(str::to_owned));
    let name = name
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| full_name(&given_name, &family_name))
        .or_else(|| preferred_username.map(str::to_owned));
    Ok(VerifiedIdToken {
        subject: subject.to_owned(),
        email: email.map(str::to_owned),
        name,
        given_name,
        family_name,
        sid: sid.map(str::to_owned),
        email_verified: claims.email_verified(),
        // `check_times` accepted `iat`; a time before 1970 counts as 0.
        issued_at: u64::try_from(claims.issue_time().timestamp()).unwrap_or(0),
    })
}

/// `exp` present and not passed, `iat` present and not in the future, `nbf` not in the
/// future — each with [`CLOCK_SKEW_SECS`] of tolerance.
pub fn check_times(exp: Option<f64>, iat: Option<f64>, nbf: Option<f64>, now: u64) -> Result<(), IdTokenError> {
    let now = now as f64;
    let skew = CLOCK_SKEW_SECS as f64;
    match exp {
        Some(exp) if exp.is_finite() && exp + skew > now => {}
        _ => return Err(IdTokenError::Expired),
    }
    match iat {
        Some(iat) if iat.is_finite() && iat <= now + skew => {}
        _ => return Err(IdTokenError::IssuedAt),
    }
    if let Some(nbf) = nbf {
        if !nbf.is_finite() || nbf > now + skew {
            return Err(IdTokenError::NotYetValid);
        }
    }
    Ok(())
}

/// A boolean claim as IdPs send it: `true`/`false`, or the strings `"true"`/`"false"`.
/// Anything else counts as not sent.
pub fn flag(value: Option<&serde_json::Value>) -> Option<bool> {
    match value? {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn full_name(given: &Option<String>, family: &Option<String>) -> Option<String> {
    let parts: Vec<&str> = [given, family].iter().filter_map(|p| p.as_deref()).filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

impl VerifiedIdToken {
    /// The user these claims describe, signed in through `org` at `issuer`, and the
    /// IdP session id.
    pub fn into_user(self, org: &str, issuer: &str) -> (User, Option<String>) {
        let user = User {
            org: org.to_owned(),
            issuer: issuer.to_owned(),
            subject: self.subject,
            email: self.email,
            name: self.name,
            given_name: self.given_name,
            family_name: self.family_name,
        };
        (user, self.sid)
    }

    /// Fills email and name from userinfo claims (whose `sub` was already checked).
    pub fn merge_userinfo(&mut self, info: super::userinfo::UserinfoClaims) {
        if self.email.is_none() {
            self.email = info.email;
            self.email_verified = flag(info.email_verified.as_ref());
        }
        if self.given_name.is_none() {
            self.given_name = info.given_name;
        }
        if self.family_name.is_none() {
            self.family_name = info.family_name;
        }
        if self.name.is_none() {
            self.name = info.name.or_else(|| full_name(&self.given_name, &self.family_name));
        }
    }
}

#[cfg(test)]
mod tests;
