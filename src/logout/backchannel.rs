//! OpenID Connect Back-Channel Logout 1.0: the logout token's rules.

use serde::Deserialize;
use url::form_urlencoded;

use super::audience_contains;
use crate::oidc::id_token::{Audience, CLOCK_SKEW_SECS};

/// The event member a logout token must carry.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Largest form body accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 32 * 1024;
/// How old (by `iat`) a token without `exp` may be, in seconds; its `jti` is
/// remembered at least that long after it could last have been accepted.
pub const JTI_MEMORY_SECS: u64 = 600;

/// Why a logout request was refused (→ 400 `invalid_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackchannelError {
    /// No `logout_token` in the form body, or the body is not a form.
    #[error("logout_token is missing")]
    MissingToken,
    /// The token is not a verifiable JWT from a configured issuer.
    #[error("logout_token could not be verified")]
    Unverified,
    /// A claim breaks the rules; the text says which.
    #[error("logout_token is invalid: {0}")]
    Claims(&'static str),
    /// This token was used before.
    #[error("logout_token was already used")]
    Replayed,
}

/// Takes `logout_token` from an `application/x-www-form-urlencoded` body (other
/// parameters ignored).
pub fn logout_token_from_form(body: &[u8]) -> Result<String, BackchannelError> {
    if body.len() > MAX_FORM_BYTES {
        return Err(BackchannelError::MissingToken);
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
        .ok_or(BackchannelError::MissingToken)
}

/// Claims of a logout token as sent.
#[derive(Debug, Clone, Deserialize)]
pub struct LogoutTokenClaims {
    iss: Option<String>,
    aud: Option<Audience>,
    iat: Option<f64>,
    exp: Option<f64>,
    jti: Option<String>,
    sub: Option<String>,
    sid: Option<String>,
    events: Option<serde_json::Value>,
    nonce: Option<serde_json::Value>,
}

/// A logout token that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLogoutToken {
    /// `sub`, if given.
    pub subject: Option<String>,
    /// `sid`, if given.
    pub sid: Option<String>,
    /// `jti` (for the replay cache).
    pub jti: String,
    /// Until when the `jti` must be remembered.
    pub remember_until: u64,
}

impl LogoutTokenClaims {
    /// Applies the Back-Channel Logout rules for an org with this issuer and client id.
    pub fn validate(self, issuer: &str, client_id: &str, now: u64) -> Result<VerifiedLogoutToken, BackchannelError> {
        use BackchannelError::Claims;
        if self.iss.as_deref() != Some(issuer) {
            return Err(Claims("iss"));
        }
        if !audience_contains(&self.aud, client_id) {
            return Err(Claims("aud"));
        }
        let iat = self.iat.filter(|t| t.is_finite()).ok_or(Claims("iat"))?;
        if iat > (now + CLOCK_SKEW_SECS) as f64 {
            return Err(Claims("iat"));
        }
        match self.exp {
            Some(exp) if !exp.is_finite() || exp + (CLOCK_SKEW_SECS as f64) <= now as f64 => return Err(Claims("exp")),
            Some(_) => {}
            // Without `exp`, the token lives JTI_MEMORY_SECS from `iat`: a captured token
            // cannot be replayed once its `jti` may have been forgotten.
            None if iat + ((JTI_MEMORY_SECS + CLOCK_SKEW_SECS) as f64) < now as f64 => return Err(Claims("iat too old (no exp)")),
            None => {}
        }
        match self.events.as_ref().and_then(|e| e.get(BACKCHANNEL_EVENT)) {
            Some(serde_json::Value::Object(_)) => {}
            _ => return Err(Claims("events")),
        }
        if self.nonce.is_some() {
            return Err(Claims("nonce"));
        }
        let subject = self.sub.filter(|s| !s.is_empty());
        let sid = self.sid.filter(|s| !s.is_empty());
        if subject.is_none() && sid.is_none() {
            return Err(Claims("sub or sid"));
        }
        let jti = self.jti.filter(|j| !j.is_empty() && j.len() <= 256).ok_or(Claims("jti"))?;
        let remember_until = match self.exp {
            Some(exp) => (exp.max(0.0) as u64).saturating_add(CLOCK_SKEW_SECS),
            // Past the moment the token stops being accepted (`iat` + memory + skew).
            None => now + JTI_MEMORY_SECS + CLOCK_SKEW_SECS,
        };
        Ok(VerifiedLogoutToken { subject, sid, jti, remember_until })
    }
}

#[cfg(test)]
mod tests;
