//! Why a flow did not succeed: one enum for the browser-facing flows (the adapter
//! turns each variant into a status and a page), and [`Traced`], which carries the
//! org a flow had identified so that every log line can name it.

use super::NetError;
use crate::login::state::StateError;
use crate::oidc::IdpError;

/// Why a login, sign-out or session check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The IdP answered the authorization request with `error=` (the code, sanitized).
    #[error("idp error {0}")]
    IdpDeclined(String),
    /// The callback's state is missing, forged, stale or from another browser.
    #[error(transparent)]
    State(#[from] StateError),
    /// The state was used before (a replayed callback).
    #[error("state reused")]
    StateReused,
    /// The callback's `iss` is not the org's issuer (RFC 9207).
    #[error("the callback's iss is not the org's issuer")]
    WrongIssuer,
    /// The callback has no (or an oversized) `code`.
    #[error("the callback has no code")]
    MissingCode,
    /// The token endpoint refused the code (its `error` code).
    #[error("token endpoint refused: {0}")]
    GrantRefused(String),
    /// An ID or logout token failed verification.
    #[error("id token: {0}")]
    InvalidToken(String),
    /// The origin refused to provision the user (its status and short reason).
    #[error("provisioning refused with {status}")]
    ProvisioningRefused {
        /// The origin's status.
        status: u16,
        /// The origin's reason, if it gave one.
        reason: Option<String>,
    },
    /// The org's IdP asserted an email it does not vouch for (outside the org's
    /// domains, or `email_verified: false`).
    #[error("whose email: {0}")]
    EmailNotVouched(#[from] crate::oidc::email::EmailRefusal),
    /// Every provisioning try failed (the last failure).
    #[error("{0}")]
    ProvisioningUnavailable(String),
    /// The IdP misbehaved or could not be reached.
    #[error("{}", idp_reason(.0))]
    Idp(IdpError),
    /// The IdP logged the user out while this login was in flight (its ID token was
    /// issued before the logout): no session.
    #[error("the user was logged out by the identity provider during this login")]
    LoggedOutDuringLogin,
    /// The session store (or the state object) could not be used.
    #[error("{0}")]
    Store(String),
    /// A bug or platform failure.
    #[error("{0}")]
    Internal(String),
}

impl FlowError {
    /// A failed call to the IdP's `what` (token endpoint, userinfo…).
    pub fn idp_call(what: &str, e: NetError) -> Self {
        Self::Idp(match e {
            NetError::Unreachable => IdpError::Unreachable(format!("{what} unreachable")),
            NetError::Timeout => IdpError::Unreachable(format!("{what} timed out")),
            NetError::TooLarge => IdpError::Misbehaving(format!("{what} answer too large")),
        })
    }

    /// Whether the token itself was refused (rather than the IdP or the store failing).
    pub fn is_invalid_token(&self) -> bool {
        matches!(self, Self::InvalidToken(_))
    }
}

fn idp_reason(e: &IdpError) -> &str {
    match e {
        IdpError::Misbehaving(r) | IdpError::Unreachable(r) => r,
    }
}

impl From<IdpError> for FlowError {
    fn from(e: IdpError) -> Self {
        Self::Idp(e)
    }
}

/// A flow's result and the org it concerned, once known (for the log, success or not).
#[derive(Debug)]
pub struct Traced<T, E = FlowError> {
    /// The org id, once the flow identified it.
    pub org: Option<String>,
    /// What happened.
    pub result: Result<T, E>,
}
