//! `X-Sso-Assertion`: a short-lived ES256 JWT that lets the origin verify who the
//! worker says the user is (claims per the interface, section 4).

use serde::Serialize;

/// Lifetime of an assertion, in seconds.
pub const ASSERTION_TTL_SECS: u64 = 60;

/// Claims of an identity assertion.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AssertionClaims {
    /// The worker's base URL.
    pub iss: String,
    /// The origin (or the base URL when there is no separate origin).
    pub aud: String,
    /// The user's `sub` at the IdP.
    pub sub: String,
    /// Email, or empty.
    pub email: String,
    /// Name, or empty.
    pub name: String,
    /// Org id.
    pub org: String,
    /// The IdP's issuer.
    pub idp_iss: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// `iat` + 60.
    pub exp: u64,
    /// Unique id.
    pub jti: String,
}

/// Who the assertion is about.
#[derive(Debug, Clone, Copy)]
pub struct AssertionSubject<'a> {
    /// `sub`.
    pub subject: &'a str,
    /// Email.
    pub email: Option<&'a str>,
    /// Name.
    pub name: Option<&'a str>,
    /// Org id.
    pub org: &'a str,
    /// IdP issuer.
    pub idp_issuer: &'a str,
}

impl AssertionClaims {
    /// Claims for `who`, issued by `base_url` for `audience` at `now`.
    pub fn new(who: AssertionSubject<'_>, base_url: &str, audience: &str, now: u64, jti: String) -> Self {
        Self {
            iss: base_url.to_owned(),
            aud: audience.to_owned(),
            sub: who.subject.to_owned(),
            email: who.email.unwrap_or_default().to_owned(),
            name: who.name.unwrap_or_default().to_owned(),
            org: who.org.to_owned(),
            idp_iss: who.idp_issuer.to_owned(),
            iat: now,
            exp: now + ASSERTION_TTL_SECS,
            jti,
        }
    }
}
