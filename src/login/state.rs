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
/// Longest `Cookie` header read, in bytes (larger: treated as carrying no cookies).
pub const MAX_COOKIE_HEADER_BYTES: usize = 16 * 1024;
/// Prefix of login-state cookie names.
pub const LOGIN_COOKIE_PREFIX: &str = "sso_login_";
const MAX_COOKIE_VALUE: usize = 4096;

/// Most login-state cookies a browser holds at once, the new one included: older
/// pending logins are dropped (their tabs can simply start again).
pub const MAX_PENDING_LOGINS: usize = 4;
/// Path of login-state cookies: all of `/_sso/`, so that a new login sees the pending
/// ones and can evict the oldest.
pub const LOGIN_COOKIE_PATH: &str = "/_sso/";
/// Largest `Cookie` header scanned for pending logins at all.
const MAX_SCANNED_HEADER_BYTES: usize = 256 * 1024;

/// What starting one more login does with the login-state cookies already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewLogin {
    /// Go ahead, after clearing these login-state cookies (the oldest, or unreadable
    /// ones), so that the callback's `Cookie` header stays readable.
    Start {
        /// Cookie names to clear.
        evict: Vec<String>,
    },
    /// The browser's other cookies alone leave no room for a login-state cookie in a
    /// readable header: starting a login would only end in a failed callback (and a
    /// user sent round in circles). Clear these and explain instead.
    TooManyCookies {
        /// Cookie names to clear.
        evict: Vec<String>,
    },
}

/// Plans a new login given the request's `Cookie` header and the size of the new
/// login-state cookie (`name=value`): at most [`MAX_PENDING_LOGINS`] pending, newest
/// kept, and the whole header within [`MAX_COOKIE_HEADER_BYTES`].
pub fn plan_new_login(cookie_header: Option<&str>, new_cookie_bytes: usize) -> NewLogin {
    let header = cookie_header.unwrap_or_default();
    if header.len() > MAX_SCANNED_HEADER_BYTES {
        return NewLogin::TooManyCookies { evict: Vec::new() };
    }
    // (name, bytes it takes in the header, expires_at as written — unverified, only for order)
    let mut pending: Vec<(String, usize, u64)> = Vec::new();
    for item in header.split([';', ',']) {
        let Some((name, value)) = item.split_once('=') else { continue };
        let name = name.trim();
        if name.starts_with(LOGIN_COOKIE_PREFIX) && !pending.iter().any(|(n, ..)| n == name) {
            pending.push((name.to_owned(), item.trim().len() + 2, unverified_expiry(value.trim())));
        }
    }
    let pending_bytes: usize = pending.iter().map(|(_, len, _)| len).sum();
    let others = header.len().saturating_sub(pending_bytes);
    let room = MAX_COOKIE_HEADER_BYTES.saturating_sub(others);
    if new_cookie_bytes + 2 > room {
        return NewLogin::TooManyCookies { evict: pending.into_iter().map(|(n, ..)| n).collect() };
    }
    pending.sort_by_key(|p| std::cmp::Reverse(p.2));
    let mut used = new_cookie_bytes + 2;
    let mut kept = 1;
    let mut evict = Vec::new();
    for (name, len, expires_at) in pending {
        if expires_at > 0 && kept < MAX_PENDING_LOGINS && used + len <= room {
            used += len;
            kept += 1;
        } else {
            evict.push(name);
        }
    }
    NewLogin::Start { evict }
}

/// `expires_at` of a login-state cookie value, read without verifying it (it only
/// orders the browser's own cookies for eviction); 0 when unreadable.
fn unverified_expiry(value: &str) -> u64 {
    #[derive(Deserialize)]
    struct Expiry {
        expires_at: u64,
    }
    let Some((payload, _)) = value.split_once('.') else { return 0 };
    if payload.len() > MAX_COOKIE_VALUE {
        return 0;
    }
    URL_SAFE_NO_PAD.decode(payload).ok().and_then(|json| serde_json::from_slice::<Expiry>(&json).ok()).map_or(0, |e| e.expires_at)
}

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
    /// The setup link whose test sign-in this is (its token): the callback reports to
    /// the wizard instead of creating a session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
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

    /// [`LoginState::decode`] with the first of `keys` that verifies (current secret,
    /// then the one being rotated out).
    pub fn decode_with_any<'k>(
        value: Option<&str>,
        state: &str,
        mut keys: impl Iterator<Item = &'k [u8; 32]>,
        now: u64,
    ) -> Result<Self, StateError> {
        let first = keys.next().ok_or(StateError::Invalid)?;
        match Self::decode(value, state, first, now) {
            Err(StateError::Invalid) => keys.find_map(|k| Self::decode(value, state, k, now).ok()).ok_or(StateError::Invalid),
            other => other,
        }
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
            setup: None,
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
    fn cookie_made_with_the_previous_key_still_opens() {
        let old = [4; 32];
        let value = login().encode("st", &old);
        let back = LoginState::decode_with_any(Some(&value), "st", [&KEY, &old].into_iter(), 999).expect("opens");
        assert_eq!(back.return_to, "/x");
        assert_eq!(LoginState::decode_with_any(Some(&value), "st", [&KEY].into_iter(), 999).err(), Some(StateError::Invalid));
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

    fn pending(i: u64, return_to_len: usize) -> String {
        let state = format!("st{i}");
        let login = LoginState { return_to: format!("/{}", "r".repeat(return_to_len)), expires_at: 1000 + i, ..login() };
        format!("{}={}", LoginState::cookie_name(&state), login.encode(&state, &KEY))
    }

    #[test]
    fn many_pending_logins_keep_only_the_newest() {
        let cookies: Vec<String> = (0..20).map(|i| pending(i, 10)).collect();
        let header = format!("a=1; {}", cookies.join("; "));
        let NewLogin::Start { evict } = plan_new_login(Some(&header), 200) else { panic!("must start") };
        assert_eq!(evict.len(), 20 - (MAX_PENDING_LOGINS - 1));
        for newest in 17..20 {
            assert!(!evict.contains(&LoginState::cookie_name(&format!("st{newest}"))), "st{newest} is kept");
        }
        assert_eq!(plan_new_login(None, 200), NewLogin::Start { evict: vec![] });
        assert_eq!(plan_new_login(Some(&pending(1, 10)), 200), NewLogin::Start { evict: vec![] });
    }

    #[test]
    fn long_return_tos_are_evicted_by_size_too() {
        // Three pending logins with 2 KiB return_tos, and 8 KiB of other cookies: not all fit.
        let cookies: Vec<String> = (0..3).map(|i| pending(i, 2040)).collect();
        let header = format!("big={}; {}", "x".repeat(8 * 1024), cookies.join("; "));
        let new_cookie = pending(9, 2040).len();
        let NewLogin::Start { evict } = plan_new_login(Some(&header), new_cookie) else { panic!("must start") };
        let kept_bytes: usize = cookies.iter().filter(|c| !evict.iter().any(|e| c.starts_with(e.as_str()))).map(|c| c.len() + 2).sum();
        assert!(8 * 1024 + 6 + kept_bytes + new_cookie + 2 <= MAX_COOKIE_HEADER_BYTES, "the callback can read the header");
        assert!(!evict.is_empty());
    }

    #[test]
    fn unreadable_or_forged_pending_cookies_go_first() {
        let header = format!("{}=garbage; {}", LoginState::cookie_name("x"), pending(1, 10));
        assert_eq!(plan_new_login(Some(&header), 200), NewLogin::Start { evict: vec![LoginState::cookie_name("x")] });
    }

    #[test]
    fn other_cookies_too_large_is_said_instead_of_starting_a_login_that_cannot_finish() {
        let header = format!("big={}; {}", "x".repeat(MAX_COOKIE_HEADER_BYTES), pending(1, 10));
        assert_eq!(plan_new_login(Some(&header), 200), NewLogin::TooManyCookies { evict: vec![LoginState::cookie_name("st1")] });
        assert!(matches!(plan_new_login(Some(&"y".repeat(MAX_SCANNED_HEADER_BYTES + 1)), 200), NewLogin::TooManyCookies { .. }));
    }

    #[test]
    fn parallel_logins_get_distinct_cookie_names() {
        assert_ne!(LoginState::cookie_name("a"), LoginState::cookie_name("b"));
        assert!(LoginState::cookie_name("a").starts_with(LOGIN_COOKIE_PREFIX));
    }
}
