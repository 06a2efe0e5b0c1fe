//! The `sso_session` cookie: an opaque, MAC'd handle that names a session and the
//! store holding it, and carries no personal data.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::keys::{mac, sha256};
use crate::secret::constant_time_eq;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sso_session";

const VERSION: u8 = 1;
const STORE_TAG_LEN: usize = 12;
const SESSION_ID_LEN: usize = 16;
const MAC_LEN: usize = 16;
const RAW_LEN: usize = 1 + STORE_TAG_LEN + SESSION_ID_LEN + MAC_LEN;

/// A session handle taken from a verified cookie (or freshly minted).
///
/// `Debug` is redacted: the id is a bearer credential.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionHandle {
    store: [u8; STORE_TAG_LEN],
    id: [u8; SESSION_ID_LEN],
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionHandle([redacted])")
    }
}

impl SessionHandle {
    /// A new handle for a session of `org`, from 16 random bytes.
    pub fn new(store_key: &[u8; 32], org: &str, random: [u8; SESSION_ID_LEN]) -> Self {
        Self { store: store_tag(store_key, org), id: random }
    }

    /// Name of the Durable Object that holds this session (opaque, derived from the org).
    pub fn store_name(&self) -> String {
        hex(&self.store)
    }

    /// The key under which the store keeps the session: a hash of the id, so that the
    /// stored data alone cannot be turned back into a cookie.
    pub fn storage_key(&self) -> String {
        hex(&sha256(&self.id))
    }

    /// The cookie value.
    pub fn encode(&self, mac_key: &[u8; 32]) -> String {
        let mut raw = Vec::with_capacity(RAW_LEN);
        raw.push(VERSION);
        raw.extend_from_slice(&self.store);
        raw.extend_from_slice(&self.id);
        let tag = mac(mac_key, &[&raw]);
        raw.extend_from_slice(&tag[..MAC_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Parses and verifies a cookie value; `None` for anything forged, truncated or old.
    pub fn decode(value: &str, mac_key: &[u8; 32]) -> Option<Self> {
        if value.len() > 128 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(value).ok()?;
        if raw.len() != RAW_LEN || raw.first() != Some(&VERSION) {
            return None;
        }
        let (body, tag) = raw.split_at(RAW_LEN - MAC_LEN);
        if !constant_time_eq(&mac(mac_key, &[body])[..MAC_LEN], tag) {
            return None;
        }
        let store = body.get(1..1 + STORE_TAG_LEN)?.try_into().ok()?;
        let id = body.get(1 + STORE_TAG_LEN..)?.try_into().ok()?;
        Some(Self { store, id })
    }
}

impl SessionHandle {
    /// The session named by a `Cookie` header: the first `sso_session` value (of any
    /// joined field) that verifies with one of `mac_keys` (current secret, then the
    /// one being rotated out).
    pub fn from_cookie_header<'k>(cookie_header: &str, mac_keys: impl Iterator<Item = &'k [u8; 32]> + Clone) -> Option<Self> {
        crate::forward::cookie_values(cookie_header, SESSION_COOKIE)
            .take(8)
            .find_map(|value| mac_keys.clone().find_map(|key| Self::decode(value, key)))
    }
}

/// Name of the session store of `org` (same as [`SessionHandle::store_name`]).
pub fn store_name_for_org(store_key: &[u8; 32], org: &str) -> String {
    hex(&store_tag(store_key, org))
}

fn store_tag(store_key: &[u8; 32], org: &str) -> [u8; STORE_TAG_LEN] {
    let full = mac(store_key, &[org.as_bytes()]);
    let mut tag = [0u8; STORE_TAG_LEN];
    tag.copy_from_slice(&full[..STORE_TAG_LEN]);
    tag
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_KEY: [u8; 32] = [7; 32];
    const STORE_KEY: [u8; 32] = [9; 32];

    #[test]
    fn cookie_roundtrips() {
        let handle = SessionHandle::new(&STORE_KEY, "acme", [1; 16]);
        let value = handle.encode(&MAC_KEY);
        let back = SessionHandle::decode(&value, &MAC_KEY).unwrap();
        assert_eq!(back, handle);
        assert_eq!(back.store_name(), store_name_for_org(&STORE_KEY, "acme"));
    }

    #[test]
    fn tampered_cookie_is_rejected() {
        let value = SessionHandle::new(&STORE_KEY, "acme", [1; 16]).encode(&MAC_KEY);
        let mut bytes = URL_SAFE_NO_PAD.decode(&value).unwrap();
        bytes[20] ^= 1;
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(&bytes), &MAC_KEY).is_none());
        assert!(SessionHandle::decode(&value, &[8; 32]).is_none());
        assert!(SessionHandle::decode(&value[..value.len() - 1], &MAC_KEY).is_none());
        assert!(SessionHandle::decode("", &MAC_KEY).is_none());
        assert!(SessionHandle::decode("%%%", &MAC_KEY).is_none());
    }

    #[test]
    fn cookie_does_not_contain_the_org_name() {
        let value = SessionHandle::new(&STORE_KEY, "acme", [1; 16]).encode(&MAC_KEY);
        let raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        assert!(!raw.windows(4).any(|w| w == b"acme"));
    }

    #[test]
    fn session_is_read_from_any_cookie_and_with_the_previous_key() {
        let handle = SessionHandle::new(&STORE_KEY, "acme", [1; 16]);
        let old_key = [8; 32];
        let value = handle.encode(&old_key);
        let header = format!("sso_session=stale; a=1, sso_session={value}");
        assert_eq!(SessionHandle::from_cookie_header(&header, [&MAC_KEY, &old_key].into_iter()), Some(handle.clone()));
        assert_eq!(SessionHandle::from_cookie_header(&header, [&MAC_KEY].into_iter()), None, "an unknown key verifies nothing");
        assert_eq!(SessionHandle::from_cookie_header("a=1", [&MAC_KEY].into_iter()), None);
    }

    #[test]
    fn storage_key_is_not_the_id() {
        let handle = SessionHandle::new(&STORE_KEY, "acme", [1; 16]);
        assert_ne!(handle.storage_key(), hex(&[1; 16]));
    }
}
