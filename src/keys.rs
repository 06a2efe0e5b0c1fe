//! Keys derived from `SSO_SESSION_SECRET`, one per purpose, so no key is used twice.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// HMAC-SHA256.
pub type HmacSha256 = Hmac<Sha256>;

/// The worker's derived keys.
#[derive(Clone)]
pub struct DerivedKeys {
    session_cookie: [u8; 32],
    login_cookie: [u8; 32],
    store_name: [u8; 32],
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
        }
    }

    /// MAC key of the `sso_session` cookie.
    pub fn session_cookie(&self) -> &[u8; 32] {
        &self.session_cookie
    }

    /// MAC key of the login-state cookies.
    pub fn login_cookie(&self) -> &[u8; 32] {
        &self.login_cookie
    }

    /// Key that turns org ids into opaque session-store names.
    pub fn store_name(&self) -> &[u8; 32] {
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
        assert_ne!(keys.session_cookie(), keys.store_name());
    }

    #[test]
    fn mac_parts_cannot_shift() {
        assert_ne!(mac(b"k", &[b"ab", b"c"]), mac(b"k", &[b"a", b"bc"]));
    }
}
