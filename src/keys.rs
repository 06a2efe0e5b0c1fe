//! Keys derived from `SSO_SESSION_SECRET`, one per purpose, so no key is used twice.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// HMAC-SHA256.
pub type HmacSha256 = Hmac<Sha256>;

/// The worker's derived keys.
///
/// Cookies are MAC'd with keys from `SSO_SESSION_SECRET` and still verified with keys
/// from `SSO_SESSION_SECRET_PREVIOUS` during a rotation. Session-store names do not
/// follow the secret: the adapter keeps the first store-name key it used
/// ([`DerivedKeys::initial_store_name`]) and reuses it forever.
#[derive(Clone)]
pub struct DerivedKeys {
    session_cookie: [u8; 32],
    login_cookie: [u8; 32],
    store_name: [u8; 32],
    previous: Option<Box<CookieKeys>>,
}

#[derive(Clone)]
struct CookieKeys {
    session_cookie: [u8; 32],
    login_cookie: [u8; 32],
}

impl std::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKeys([redacted])")
    }
}

impl DerivedKeys {
    /// Derives every key from the session secret.
    pub fn derive(secret: &Secret) -> Self {
        let derive = |label: &str| mac(secret.expose().as_bytes(), &[label.as_bytes()]);
        Self {
            session_cookie: derive("edge-sso/v1/session-cookie"),
            login_cookie: derive("edge-sso/v1/login-cookie"),
            store_name: derive("edge-sso/v1/store-name"),
            previous: None,
        }
    }

    /// Also accepts cookies made with `previous` (the secret being rotated out).
    pub fn with_previous(mut self, previous: Option<&Secret>) -> Self {
        self.previous = previous.map(|p| {
            let old = Self::derive(p);
            Box::new(CookieKeys { session_cookie: old.session_cookie, login_cookie: old.login_cookie })
        });
        self
    }

    /// MAC key of new `sso_session` cookies.
    pub fn session_cookie(&self) -> &[u8; 32] {
        &self.session_cookie
    }

    /// Keys that verify `sso_session` cookies: the current one, then the previous one.
    pub fn session_cookie_keys(&self) -> impl Iterator<Item = &[u8; 32]> + Clone {
        std::iter::once(&self.session_cookie).chain(self.previous.as_deref().map(|p| &p.session_cookie))
    }

    /// MAC key of new login-state cookies.
    pub fn login_cookie(&self) -> &[u8; 32] {
        &self.login_cookie
    }

    /// Keys that verify login-state cookies: the current one, then the previous one.
    pub fn login_cookie_keys(&self) -> impl Iterator<Item = &[u8; 32]> + Clone {
        std::iter::once(&self.login_cookie).chain(self.previous.as_deref().map(|p| &p.login_cookie))
    }

    /// The store-name key this secret would give: proposed once, then kept for good
    /// (so that Durable Object names survive every later rotation).
    pub fn initial_store_name(&self) -> &[u8; 32] {
        &self.store_name
    }
}

/// HMAC-SHA256 over the concatenation of `parts`, each prefixed with its length so
/// that part boundaries cannot shift.
pub fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // invariant: HMAC accepts keys of any length.
    #[allow(clippy::unwrap_used)]
    let mut m = HmacSha256::new_from_slice(key).unwrap();
    for p in parts {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_get_different_keys() {
        let keys = DerivedKeys::derive(&Secret::new("x".repeat(32)));
        assert_ne!(keys.session_cookie(), keys.login_cookie());
        assert_ne!(keys.session_cookie(), keys.initial_store_name());
    }

    #[test]
    fn previous_secret_keys_verify_but_never_sign() {
        let old = DerivedKeys::derive(&Secret::new("o".repeat(32)));
        let keys = DerivedKeys::derive(&Secret::new("n".repeat(32))).with_previous(Some(&Secret::new("o".repeat(32))));
        assert_ne!(keys.session_cookie(), old.session_cookie(), "new cookies use the new secret");
        assert_eq!(keys.session_cookie_keys().collect::<Vec<_>>(), [keys.session_cookie(), old.session_cookie()]);
        assert_eq!(keys.login_cookie_keys().collect::<Vec<_>>(), [keys.login_cookie(), old.login_cookie()]);
        assert_eq!(DerivedKeys::derive(&Secret::new("n".repeat(32))).session_cookie_keys().count(), 1);
    }

    #[test]
    fn mac_parts_cannot_shift() {
        assert_ne!(mac(b"k", &[b"ab", b"c"]), mac(b"k", &[b"a", b"bc"]));
    }
}
