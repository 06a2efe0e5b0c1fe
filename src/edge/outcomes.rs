//! Every flow error as an HTTP answer: the status, the stable `error` code and the
//! message a user or an identity provider is shown. The one place the adapter decides
//! what each failure means on the wire.

use super::answer::Failure;
use crate::flows::{AdminFailure, BackchannelFailure, FlowError, SetupFailure, UniversalLogoutFailure};
use crate::logout::universal::RevocationError;
use crate::oidc::IdpError;

/// What the user sees when the callback's state is refused.
const INVALID_STATE: &str = "This sign-in took too long, was already completed, or was started in another browser. Please sign in again.";

impl From<FlowError> for Failure {
    fn from(e: FlowError) -> Self {
        let reason = e.to_string();
        match e {
            FlowError::IdpDeclined(code) => Self::new(401, "access_denied", format!("The identity provider did not sign you in ({code}).")),
            FlowError::State(_) | FlowError::StateReused => Self::new(400, "invalid_state", INVALID_STATE),
            FlowError::LoggedOutDuringLogin => {
                Self::new(401, "logged_out", "You were signed out by your identity provider while signing in. Please sign in again.")
            }
            FlowError::WrongIssuer => Self::new(401, "invalid_issuer", "The sign-in answer came from the wrong identity provider."),
            FlowError::MissingCode => Self::new(400, "invalid_request", "The sign-in answer has no code."),
            FlowError::GrantRefused(_) => Self::new(401, "invalid_grant", "The identity provider refused the sign-in."),
            FlowError::InvalidToken(_) => Self::new(401, "invalid_token", "The identity provider's answer could not be verified."),
            FlowError::ProvisioningRefused { reason: shown, .. } => {
                let shown = match shown {
                    Some(r) => format!("Your account could not be set up: {r}"),
                    None => "Your account could not be set up. Ask your administrator for access.".to_owned(),
                };
                Self::new(403, "access_denied", shown)
            }
            FlowError::EmailNotVouched(_) => Self::new(
                403,
                "access_denied",
                "Your organization's sign-in service vouched for an email address that does not belong to your organization, \
                 or that it has not verified. Ask your administrator to check your account.",
            ),
            FlowError::ProvisioningUnavailable(_) => {
                Self::new(503, "temporarily_unavailable", "Your account could not be set up right now. Please try again in a moment.")
            }
            FlowError::Idp(IdpError::Misbehaving(_)) => {
                Self::new(502, "idp_error", "The identity provider answered incorrectly. Please try again later.")
            }
            FlowError::Idp(IdpError::Unreachable(_)) => {
                Self::new(503, "idp_unavailable", "The identity provider cannot be reached. Please try again later.")
            }
            FlowError::Store(_) => Self::new(503, "temporarily_unavailable", "Sign-in is temporarily unavailable. Please try again."),
            FlowError::Internal(_) => Self::new(500, "server_error", "Something went wrong. Please try again."),
        }
        .logged_as(reason)
    }
}

/// A refused logout request is `400 invalid_request`; an IdP or store failure keeps its
/// own status (`502`/`503`), so the IdP retries.
impl From<BackchannelFailure> for Failure {
    fn from(f: BackchannelFailure) -> Self {
        match f {
            BackchannelFailure::Refused(e, detail) => {
                let refused = Self::new(400, "invalid_request", e.to_string());
                match detail {
                    Some(detail) => refused.logged_as(detail),
                    None => refused,
                }
            }
            BackchannelFailure::Failed(e) => e.into(),
        }
    }
}

/// The draft's statuses; when the worker itself cannot check or apply the request (the
/// IdP's keys unreachable, the store failing) `503`, never `401`.
impl From<UniversalLogoutFailure> for Failure {
    fn from(f: UniversalLogoutFailure) -> Self {
        match f {
            UniversalLogoutFailure::Refused(e) => {
                let code = match e {
                    RevocationError::Unauthorized(_) => "invalid_token",
                    RevocationError::BadRequest(_) => "invalid_request",
                    RevocationError::UnknownUser => "unknown_user",
                };
                Self::new(e.status(), code, e.to_string())
            }
            UniversalLogoutFailure::Unverifiable(e @ FlowError::InvalidToken(_)) => Self { status: 401, ..e.into() },
            // The worker's own failure (keys unreachable, store failing): never 401.
            UniversalLogoutFailure::Unverifiable(e) | UniversalLogoutFailure::Unavailable(e) => {
                Self::new(503, "temporarily_unavailable", "the revocation cannot be checked right now").logged_as(e.to_string())
            }
            UniversalLogoutFailure::NotRevoked(reason) => {
                Self::new(422, "revocation_failed", "the sessions could not be revoked").logged_as(reason)
            }
        }
    }
}

/// The admin API's failures (the disabled API and a bad token are answered by the route).
impl From<AdminFailure> for Failure {
    fn from(f: AdminFailure) -> Self {
        match f {
            AdminFailure::Disabled | AdminFailure::TokenTooShort => Self::new(404, "not_found", "No such page."),
            AdminFailure::NotFound(what) => Self::new(404, "not_found", what),
            AdminFailure::Unauthorized => Self::new(401, "unauthorized", "a valid admin bearer token is required"),
            AdminFailure::NoBody => Self::new(400, "invalid_request", "body missing or too large"),
            AdminFailure::Refused(e) => {
                let code = match e.status() {
                    409 => "conflict",
                    422 => "unverifiable",
                    _ => "invalid_request",
                };
                Self::new(e.status(), code, e.to_string())
            }
            AdminFailure::Failed(e) => e.into(),
        }
    }
}

/// A setup link that is unknown, used, withdrawn or expired reveals nothing (`404`).
impl From<SetupFailure> for Failure {
    fn from(f: SetupFailure) -> Self {
        match f {
            SetupFailure::NotFound => Self::new(
                404,
                "not_found",
                "This setup link is not valid: it may have expired, been used or been withdrawn. Ask for a new one.",
            ),
            SetupFailure::Forbidden => {
                Self::new(403, "forbidden", "This form must be sent from the setup page itself. Reload the page and try again.")
            }
            SetupFailure::BadRequest(what) => Self::new(400, "invalid_request", what),
            SetupFailure::Failed(e) => e.into(),
        }
    }
}
