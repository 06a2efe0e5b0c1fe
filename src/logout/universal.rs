//! Okta Universal Logout (draft-parecki-oauth-global-token-revocation): the bearer
//! JWT's rules and the subject identifier in the body.

use serde::Deserialize;

use super::audience_contains;
use crate::config::OrgConfig;
use crate::oidc::id_token::{check_times, Audience, CLOCK_SKEW_SECS};

/// The `typ` Okta puts in the JWT header.
pub const REVOCATION_JWT_TYP: &str = "global-token-revocation+jwt";
/// Largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Why a revocation request was refused; the status is the draft's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// Missing, invalid, expired, replayed or wrongly addressed JWT (→ 401).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Malformed body or unsupported subject format (→ 400).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// No such user in this org (→ 404).
    #[error("no such user")]
    UnknownUser,
}

impl RevocationError {
    /// The HTTP status the draft gives this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::BadRequest(_) => 400,
            Self::UnknownUser => 404,
        }
    }
}

/// The bearer token of an `Authorization` header value.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, RevocationError> {
    let value = authorization.ok_or(RevocationError::Unauthorized("no bearer token"))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(RevocationError::Unauthorized("no bearer token"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(RevocationError::Unauthorized("no bearer token"));
    }
    Ok(token.trim())
}

/// Claims of the revocation JWT as sent.
#[derive(Debug, Clone, Deserialize)]
pub struct RevocationClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    jti: Option<String>,
}

/// A revocation JWT that passed every rule: its `jti` and how long to remember it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRevocation {
    /// `jti`.
    pub jti: String,
    /// Unix seconds.
    pub remember_until: u64,
}

impl RevocationClaims {
    /// Checks `iss`, `sub` (the org's `client_id`), `aud` (this exact endpoint URL),
    /// `exp`/`nbf`/`iat` and `jti`.
    pub fn validate(
        self,
        issuer: &str,
        client_id: &str,
        endpoint_url: &str,
        typ: Option<&str>,
        now: u64,
    ) -> Result<VerifiedRevocation, RevocationError> {
        use RevocationError::Unauthorized;
        if let Some(typ) = typ {
            if !typ.eq_ignore_ascii_case(REVOCATION_JWT_TYP) {
                return Err(Unauthorized("typ"));
            }
        }
        if self.iss.as_deref() != Some(issuer) {
            return Err(Unauthorized("iss"));
        }
        if self.sub.as_deref() != Some(client_id) {
            return Err(Unauthorized("sub is not the org's client_id"));
        }
        if !audience_contains(&self.aud, endpoint_url) {
            return Err(Unauthorized("aud"));
        }
        // iat is optional here; when absent, judge it by exp alone.
        let iat = self.iat.or(Some(now as f64));
        check_times(self.exp, iat, self.nbf, now).map_err(|_| Unauthorized("expired or not yet valid"))?;
        let jti = self.jti.filter(|j| !j.is_empty() && j.len() <= 256).ok_or(Unauthorized("jti"))?;
        let exp = self.exp.unwrap_or_default().max(0.0) as u64;
        Ok(VerifiedRevocation { jti, remember_until: exp.saturating_add(CLOCK_SKEW_SECS) })
    }
}

/// The org a revocation JWT addresses: its `iss` (the org's Universal Logout issuer)
/// and its `sub` (the org's `client_id`) together — orgs may share one Okta tenant
/// with different apps. `None`: no such org (→ 401, wrongly addressed).
pub fn addressed_org<'a>(orgs: &'a [OrgConfig], iss: &str, sub: Option<&str>) -> Option<&'a OrgConfig> {
    let sub = sub?;
    orgs.iter().find(|o| o.universal_logout_issuer == iss && o.client_id == sub)
}

/// Whose sessions to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectId {
    /// `{"format":"email","email":…}`.
    Email(String),
    /// `{"format":"iss_sub","iss":…,"sub":…}`.
    IssSub {
        /// Issuer of the user's ID tokens.
        iss: String,
        /// `sub`.
        sub: String,
    },
}

#[derive(Deserialize)]
struct Body {
    sub_id: Option<serde_json::Value>,
    subject: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
enum RawSubjectId {
    Email { email: String },
    IssSub { iss: String, sub: String },
}

/// Parses the request body: `sub_id` (or the legacy `subject`) in format `email` or `iss_sub`.
pub fn parse_subject(body: &[u8]) -> Result<SubjectId, RevocationError> {
    use RevocationError::BadRequest;
    if body.len() > MAX_BODY_BYTES {
        return Err(BadRequest("body too large"));
    }
    let body: Body = serde_json::from_slice(body).map_err(|_| BadRequest("body is not a JSON object"))?;
    let value = body.sub_id.or(body.subject).ok_or(BadRequest("sub_id is missing"))?;
    let format = value.get("format").and_then(|f| f.as_str()).ok_or(BadRequest("sub_id.format is missing"))?;
    if format != "email" && format != "iss_sub" {
        return Err(BadRequest("unsupported subject format"));
    }
    match serde_json::from_value::<RawSubjectId>(value).map_err(|_| BadRequest("sub_id is malformed"))? {
        RawSubjectId::Email { email } if email.contains('@') && email.len() <= 254 => Ok(SubjectId::Email(email)),
        RawSubjectId::Email { .. } => Err(BadRequest("sub_id.email is not an email address")),
        RawSubjectId::IssSub { iss, sub } if !sub.is_empty() && sub.len() <= 1024 => Ok(SubjectId::IssSub { iss, sub }),
        RawSubjectId::IssSub { .. } => Err(BadRequest("sub_id.sub is empty")),
    }
}

#[cfg(test)]
mod tests;
