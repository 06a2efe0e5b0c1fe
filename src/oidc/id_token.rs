//! ID-token claim rules (OpenID Connect Core §3.1.3.7), applied after the signature
//! was verified by [`crate::jose::verify`].

use serde::Deserialize;

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

/// Claims of an ID token as sent (nothing trusted yet).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdTokenClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    azp: Option<String>,
    exp: Option<f64>,
    iat: Option<f64>,
    nbf: Option<f64>,
    nonce: Option<String>,
    email: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    preferred_username: Option<String>,
    sid: Option<String>,
    email_verified: Option<serde_json::Value>,
}

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

impl IdTokenClaims {
    /// Applies every claim rule; returns the user's identity.
    pub fn validate(self, expected: &Expected<'_>) -> Result<VerifiedIdToken, IdTokenError> {
        if self.iss.as_deref() != Some(expected.issuer) {
            return Err(IdTokenError::Issuer);
        }
        let aud = self.aud.as_ref().ok_or(IdTokenError::Audience)?;
        if !aud.contains(expected.client_id) {
            return Err(IdTokenError::Audience);
        }
        if aud.len() > 1 && self.azp.as_deref() != Some(expected.client_id) {
            return Err(IdTokenError::AuthorizedParty);
        }
        if let Some(azp) = &self.azp {
            if azp != expected.client_id {
                return Err(IdTokenError::AuthorizedParty);
            }
        }
        check_times(self.exp, self.iat, self.nbf, expected.now)?;
        match &self.nonce {
            Some(n) if expected.nonce.matches(n) => {}
            _ => return Err(IdTokenError::Nonce),
        }
        let subject = self.sub.filter(|s| !s.is_empty()).ok_or(IdTokenError::Subject)?;
        let fields =
            [&Some(subject.clone()), &self.email, &self.name, &self.given_name, &self.family_name, &self.sid, &self.preferred_username];
        if fields.iter().any(|f| f.as_ref().is_some_and(|v| v.len() > MAX_CLAIM_LEN)) {
            return Err(IdTokenError::Oversized);
        }
        let name =
            self.name.filter(|n| !n.is_empty()).or_else(|| full_name(&self.given_name, &self.family_name)).or(self.preferred_username);
        let email_verified = flag(self.email_verified.as_ref());
        Ok(VerifiedIdToken {
            subject,
            email: self.email,
            name,
            given_name: self.given_name,
            family_name: self.family_name,
            sid: self.sid,
            email_verified,
        })
    }
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
