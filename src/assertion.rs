//! `X-Sso-Assertion`: a short-lived ES256 JWT that lets the origin verify who the
//! worker says the user is (claims per the interface, section 4).

use serde::Serialize;

use crate::user::User;

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

impl AssertionClaims {
    /// Claims about `user`, issued by `base_url` for `audience` at `now`.
    pub fn new(user: &User, base_url: &str, audience: &str, now: u64, jti: String) -> Self {
        Self {
            iss: base_url.to_owned(),
            aud: audience.to_owned(),
            sub: user.subject.clone(),
            email: user.email.clone().unwrap_or_default(),
            name: user.name.clone().unwrap_or_default(),
            org: user.org.clone(),
            idp_iss: user.issuer.clone(),
            iat: now,
            exp: now + ASSERTION_TTL_SECS,
            jti,
        }
    }
}
