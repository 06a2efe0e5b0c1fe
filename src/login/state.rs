//! The login-state cookie: binds a login attempt to the browser that started it.
//!
//! Each attempt gets its own cookie, named after its `state`, so parallel logins in
//! two tabs do not overwrite each other. The value is MAC'd together with the state;
//! single use is enforced by the session store, not by the cookie.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{Nonce, PkceVerifier};
use crate::keys::{mac, sha256};
use crate::secret::constant_time_eq;
use crate::session::cookie::hex;

/// How long a login may take, in seconds.
pub const LOGIN_STATE_TTL_SECS: u64 = 600;
/// Prefix of login-state cookie names.
pub const LOGIN_COOKIE_PREFIX: &str = "sso_login_";
const MAX_COOKIE_VALUE: usize = 4096;

/// What the callback needs to know about the login it finishes.
#[derive(Serialize, Deserialize)]
pub struct LoginState {
    /// Org id.
    pub org: String,
    /// Nonce sent in the authorization request.
    pub nonce: Nonce,
    /// PKCE verifier.
    pub code_verifier: PkceVerifier,
    /// Where to go after login (already cleaned).
    pub return_to: String,
    /// Unix seconds after which the attempt is stale.
    pub expires_at: u64,
}

impl std::fmt::Debug for LoginState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginState").field("org", &self.org).field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// Why a callback's state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// No `state` parameter.
    #[error("the state parameter is missing")]
    Missing,
    /// No login cookie for this state in this browser.
    #[error("this login was not started in this browser")]
    NotThisBrowser,
    /// Cookie forged or for another state.
    #[error("the login state is invalid")]
    Invalid,
    /// Older than ten minutes.
    #[error("the login took too long")]
    Expired,
}

impl LoginState {
    /// Name of the cookie that carries the state of the login with this `state`.
    pub fn cookie_name(state: &str) -> String {
        format!("{LOGIN_COOKIE_PREFIX}{}", &hex(&sha256(state.as_bytes()))[..16])
    }

    /// The cookie value, MAC'd together with `state`.
    pub fn encode(&self, state: &str, key: &[u8; 32]) -> String {
        // invariant: serializing a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(&json);
        let tag = mac(key, &[state.as_bytes(), payload.as_bytes()]);
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag[..16]))
    }

    /// Verifies and opens the cookie of the login with this `state` at `now`.
    pub fn decode(value: Option<&str>, state: &str, key: &[u8; 32], now: u64) -> Result<Self, StateError> {
        let value = value.ok_or(StateError::NotThisBrowser)?;
        if value.len() > MAX_COOKIE_VALUE {
            return Err(StateError::Invalid);
        }
        let (payload, tag) = value.split_once('.').ok_or(StateError::Invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| StateError::Invalid)?;
        let expected = mac(key, &[state.as_bytes(), payload.as_bytes()]);
        if !constant_time_eq(&expected[..16], &tag) {
            return Err(StateError::Invalid);
        }
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| StateError::Invalid)?;
        let login: Self = serde_json::from_slice(&json).map_err(|_| StateError::Invalid)?;
        if now >= login.expires_at {
            return Err(StateError::Expired);
        }
        Ok(login)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [3; 32];

    fn login() -> LoginState {
        let secrets = crate::login::LoginSecrets::from_random(&[7; 64]);
        LoginState {
            org: "acme".into(),
            nonce: secrets.nonce,
            code_verifier: secrets.code_verifier,
            return_to: "/x".into(),
            expires_at: 1000,
        }
    }

    #[test]
    fn state_roundtrips() {
        let value = login().encode("st", &KEY);
        let back = LoginState::decode(Some(&value), "st", &KEY, 999).expect("valid");
        assert_eq!((back.org.as_str(), back.return_to.as_str(), back.expires_at), ("acme", "/x", 1000));
        assert!(back.nonce.matches(login().nonce.expose()));
        assert_eq!(back.code_verifier.expose(), login().code_verifier.expose());
        assert!(!format!("{back:?} {:?}", back.nonce).contains(login().nonce.expose()), "redacted");
    }

    #[test]
    fn cookie_of_another_state_is_refused() {
        let value = login().encode("st", &KEY);
        assert_eq!(LoginState::decode(Some(&value), "other", &KEY, 1).err(), Some(StateError::Invalid));
    }

    #[test]
    fn missing_cookie_means_another_browser() {
        assert_eq!(LoginState::decode(None, "st", &KEY, 1).err(), Some(StateError::NotThisBrowser));
    }

    #[test]
    fn stale_login_is_refused() {
        let value = login().encode("st", &KEY);
        assert_eq!(LoginState::decode(Some(&value), "st", &KEY, 1000).err(), Some(StateError::Expired));
    }

    #[test]
    fn garbage_is_refused_without_panic() {
        for v in ["", ".", "a.b", "%%.%%", "e30.AAAA"] {
            assert_eq!(LoginState::decode(Some(v), "st", &KEY, 1).err(), Some(StateError::Invalid), "{v}");
        }
    }

    #[test]
    fn parallel_logins_get_distinct_cookie_names() {
        assert_ne!(LoginState::cookie_name("a"), LoginState::cookie_name("b"));
        assert!(LoginState::cookie_name("a").starts_with(LOGIN_COOKIE_PREFIX));
    }
}
