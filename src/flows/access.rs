//! Requests for the application: the public / session / sign-in / 401 decision, the
//! signed-in user the application sees, and the `X-Sso-Assertion` about them.

use super::{random, FlowError, Io, Site};
use crate::assertion::AssertionClaims;
use crate::login::return_to::MAX_RETURN_TO_LEN;
use crate::public_path::is_public;
use crate::session::cookie::hex;
use crate::session::store::ActiveSession;
use crate::user::User;

/// What a request for the application needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A public path: straight to the application, with no user.
    Public,
    /// Everything else: only with a valid session.
    SessionRequired,
}

/// What a request without a valid session gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthenticated {
    /// A browser navigation: `302` to the login, coming back here afterwards.
    SignIn {
        /// `/_sso/login?return_to=…`.
        location: String,
        /// The browser still had a session cookie: its session ended elsewhere (an IdP
        /// logout, a timeout), which the sign-in page says once.
        session_ended: bool,
    },
    /// Anything else (API calls, non-GET): `401`.
    Refuse,
}

/// Whether `path` (as sent) is public under the configuration: only if every reading
/// an origin may give it is public ([`is_public`]).
pub fn access(site: Site<'_>, path: &str) -> Access {
    if is_public(path, &site.config.public_paths) {
        Access::Public
    } else {
        Access::SessionRequired
    }
}

impl Unauthenticated {
    /// The answer for a request with no valid session: `is_read` (GET/HEAD), whether
    /// it wants HTML, its path and query, and whether it carried a session cookie.
    pub fn decide(is_read: bool, wants_html: bool, path_and_query: &str, had_session_cookie: bool) -> Self {
        if !(is_read && wants_html) {
            return Self::Refuse;
        }
        // A return_to the login would drop anyway is not worth a huge Location header.
        let return_to = if path_and_query.len() > MAX_RETURN_TO_LEN { "/" } else { path_and_query };
        let encoded: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
        Self::SignIn { location: format!("/_sso/login?return_to={encoded}"), session_ended: had_session_cookie }
    }
}

/// The signed-in user, as the application behind edge-sso sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Who signed in.
    pub user: User,
    /// When the session ends if unused (Unix seconds).
    pub expires_at: u64,
}

/// The application's view of a valid session.
pub fn identity_of(session: &ActiveSession) -> Identity {
    Identity { user: session.record.user.clone(), expires_at: session.expires_at }
}

/// Signs a fresh `X-Sso-Assertion` about `user`, for the origin (or this worker).
pub async fn sign_assertion(io: &impl Io, site: Site<'_>, user: &User) -> Result<String, FlowError> {
    let key = io.assertion_key().await?;
    let audience = site.config.origin.as_deref().unwrap_or(site.base_url);
    let jti = hex(&random::<16>(io)?);
    let claims = AssertionClaims::new(user, site.base_url, audience, io.now(), jti);
    let input = key.signing_input(&claims).map_err(|e| FlowError::Internal(format!("assertion signing: {e}")))?;
    let signature = io.sign_es256(&key, input.as_bytes()).await?;
    Ok(crate::jose::signed(input, &signature))
}
