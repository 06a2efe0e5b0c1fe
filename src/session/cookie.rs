//! The `sso_session` cookie: an opaque, MAC'd handle that names a session and the
//! user's session object holding it, and carries no personal data; and the names of
//! every kind of Durable Object (user, org directory, login state), each a keyed MAC,
//! so no name reveals an org, a subject or a state.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::address::{Jurisdiction, StoreAddress};
use crate::keys::{mac, sha256};
use crate::secret::constant_time_eq;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sso_session";

/// Version 2: per-user objects of an org without a jurisdiction (version 1 named one
/// object per org and is refused).
const VERSION: u8 = 2;
/// Version 3: as 2, with one byte naming the org's jurisdiction after the version.
const VERSION_IN_JURISDICTION: u8 = 3;
const STORE_TAG_LEN: usize = 12;
const USER_TAG_LEN: usize = 16;
const SESSION_ID_LEN: usize = 16;
const MAC_LEN: usize = 16;
const RAW_LEN: usize = 1 + STORE_TAG_LEN + USER_TAG_LEN + SESSION_ID_LEN + MAC_LEN;

/// A session handle taken from a verified cookie (or freshly minted).
///
/// `Debug` is redacted: the id is a bearer credential.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionHandle {
    jurisdiction: Option<Jurisdiction>,
    store: [u8; STORE_TAG_LEN],
    user: [u8; USER_TAG_LEN],
    id: [u8; SESSION_ID_LEN],
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionHandle([redacted])")
    }
}

impl SessionHandle {
    /// A new handle for a session of `subject` in `org`, whose objects live in
    /// `jurisdiction`, from 16 random bytes.
    pub fn new(store_key: &[u8; 32], org: &str, subject: &str, jurisdiction: Option<Jurisdiction>, random: [u8; SESSION_ID_LEN]) -> Self {
        Self { jurisdiction, store: store_tag(store_key, org), user: user_tag(store_key, org, subject), id: random }
    }

    /// The user's object that holds this session, in its org's jurisdiction: all a
    /// request needs to reach it, with no lookup.
    pub fn store_address(&self) -> StoreAddress {
        StoreAddress::new(self.store_name(), self.jurisdiction)
    }

    /// The jurisdiction of the session's org when it signed in.
    pub fn jurisdiction(&self) -> Option<Jurisdiction> {
        self.jurisdiction
    }

    /// Name of the user's Durable Object that holds this session (opaque, see
    /// [`user_object_name`]).
    pub fn store_name(&self) -> String {
        let mut name = hex(&self.store);
        name.push_str(&hex(&self.user));
        name
    }

    /// Name of the org's directory (see [`store_name_for_org`]).
    pub fn directory_name(&self) -> String {
        hex(&self.store)
    }

    /// The key under which the store keeps the session: a hash of the id, so that the
    /// stored data alone cannot be turned back into a cookie.
    pub fn storage_key(&self) -> String {
        hex(&sha256(&self.id))
    }

    /// The cookie value.
    pub fn encode(&self, mac_key: &[u8; 32]) -> String {
        let mut raw = Vec::with_capacity(RAW_LEN + 1);
        match self.jurisdiction {
            None => raw.push(VERSION),
            Some(j) => raw.extend_from_slice(&[VERSION_IN_JURISDICTION, j.code()]),
        }
        raw.extend_from_slice(&self.store);
        raw.extend_from_slice(&self.user);
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
        let head = match raw.first() {
            Some(&VERSION) => 1,
            Some(&VERSION_IN_JURISDICTION) => 2,
            _ => return None,
        };
        if raw.len() != RAW_LEN - 1 + head {
            return None;
        }
        let (body, tag) = raw.split_at(raw.len() - MAC_LEN);
        if !constant_time_eq(&mac(mac_key, &[body])[..MAC_LEN], tag) {
            return None;
        }
        let jurisdiction = match head {
            2 => Some(Jurisdiction::from_code(*body.get(1)?)?),
            _ => None,
        };
        let body = body.get(head..)?;
        let store = body.get(..STORE_TAG_LEN)?.try_into().ok()?;
        let user = body.get(STORE_TAG_LEN..STORE_TAG_LEN + USER_TAG_LEN)?.try_into().ok()?;
        let id = body.get(STORE_TAG_LEN + USER_TAG_LEN..)?.try_into().ok()?;
        Some(Self { jurisdiction, store, user, id })
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

/// Name of the directory of `org` (the name its one session store had before sessions
/// moved to per-user objects, so known users and provisioning fingerprints carry over).
pub fn store_name_for_org(store_key: &[u8; 32], org: &str) -> String {
    hex(&store_tag(store_key, org))
}

/// Name of the object holding every session of `subject` in `org`.
pub fn user_object_name(store_key: &[u8; 32], org: &str, subject: &str) -> String {
    let mut name = hex(&store_tag(store_key, org));
    name.push_str(&hex(&user_tag(store_key, org, subject)));
    name
}

/// Name of the object that holds one login state of `org` (`state_hash`: the state's
/// SHA-256): one object per login, so no object is shared by the logins of an org.
pub fn login_state_object_name(store_key: &[u8; 32], org: &str, state_hash: &[u8]) -> String {
    let tag = mac(store_key, &[b"login-state", org.as_bytes(), state_hash]);
    format!("s{}", hex(&tag[..16]))
}

/// The id a user sees for a session (the sessions page): derived from the storage key,
/// so it cannot be turned into the cookie, and it is no cookie itself.
pub fn public_session_id(storage_key: &str) -> String {
    hex(&sha256(format!("edge-sso/session-id/{storage_key}").as_bytes())[..16])
}

fn store_tag(store_key: &[u8; 32], org: &str) -> [u8; STORE_TAG_LEN] {
    let full = mac(store_key, &[org.as_bytes()]);
    let mut tag = [0u8; STORE_TAG_LEN];
    tag.copy_from_slice(&full[..STORE_TAG_LEN]);
    tag
}

fn user_tag(store_key: &[u8; 32], org: &str, subject: &str) -> [u8; USER_TAG_LEN] {
    let full = mac(store_key, &[b"user", org.as_bytes(), subject.as_bytes()]);
    let mut tag = [0u8; USER_TAG_LEN];
    tag.copy_from_slice(&full[..USER_TAG_LEN]);
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
        let handle = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]);
        let value = handle.encode(&MAC_KEY);
        let back = SessionHandle::decode(&value, &MAC_KEY).unwrap();
        assert_eq!(back, handle);
        assert_eq!(back.store_name(), user_object_name(&STORE_KEY, "acme", "u1"));
        assert_eq!(back.directory_name(), store_name_for_org(&STORE_KEY, "acme"));
    }

    #[test]
    fn each_user_of_an_org_has_an_object_of_its_own_and_no_name_collides() {
        let a = user_object_name(&STORE_KEY, "acme", "u1");
        assert_ne!(a, user_object_name(&STORE_KEY, "acme", "u2"));
        assert_ne!(a, user_object_name(&STORE_KEY, "globex", "u1"));
        assert_ne!(a, store_name_for_org(&STORE_KEY, "acme"));
        assert!(!a.contains("acme") && !a.contains("u1"));
        let s1 = login_state_object_name(&STORE_KEY, "acme", &[1; 32]);
        assert_ne!(s1, login_state_object_name(&STORE_KEY, "acme", &[2; 32]));
        assert_ne!(public_session_id("k"), "k");
    }

    #[test]
    fn a_cookie_names_its_jurisdiction_and_no_other_can_be_put_in() {
        let eu = SessionHandle::new(&STORE_KEY, "acme", "u1", Some(Jurisdiction::Eu), [1; 16]);
        let value = eu.encode(&MAC_KEY);
        let back = SessionHandle::decode(&value, &MAC_KEY).unwrap();
        assert_eq!(back, eu);
        assert_eq!(back.store_address(), StoreAddress::new(user_object_name(&STORE_KEY, "acme", "u1"), Some(Jurisdiction::Eu)));
        let plain = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]);
        assert_eq!(SessionHandle::decode(&plain.encode(&MAC_KEY), &MAC_KEY).unwrap().store_address().jurisdiction, None);
        // Changing the jurisdiction byte (or dropping it) breaks the MAC.
        let mut raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        raw[1] = Jurisdiction::Fedramp.code();
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(&raw), &MAC_KEY).is_none());
        let mut dropped = vec![VERSION];
        dropped.extend_from_slice(&URL_SAFE_NO_PAD.decode(&value).unwrap()[2..]);
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(&dropped), &MAC_KEY).is_none());
        // An unknown jurisdiction code is refused even with a valid MAC.
        let mut body = vec![VERSION_IN_JURISDICTION, 9];
        body.extend_from_slice(&[0; STORE_TAG_LEN + USER_TAG_LEN + SESSION_ID_LEN]);
        let tag = mac(&MAC_KEY, &[&body]);
        body.extend_from_slice(&tag[..MAC_LEN]);
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(&body), &MAC_KEY).is_none());
    }

    #[test]
    fn a_cookie_of_the_per_org_layout_is_refused() {
        let mut raw = vec![1u8];
        raw.extend_from_slice(&[0; STORE_TAG_LEN + SESSION_ID_LEN]);
        let tag = mac(&MAC_KEY, &[&raw]);
        raw.extend_from_slice(&tag[..MAC_LEN]);
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(raw), &MAC_KEY).is_none());
    }

    #[test]
    fn tampered_cookie_is_rejected() {
        let value = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]).encode(&MAC_KEY);
        let mut bytes = URL_SAFE_NO_PAD.decode(&value).unwrap();
        bytes[40] ^= 1;
        assert!(SessionHandle::decode(&URL_SAFE_NO_PAD.encode(&bytes), &MAC_KEY).is_none());
        assert!(SessionHandle::decode(&value, &[8; 32]).is_none());
        assert!(SessionHandle::decode(&value[..value.len() - 1], &MAC_KEY).is_none());
        assert!(SessionHandle::decode("", &MAC_KEY).is_none());
        assert!(SessionHandle::decode("%%%", &MAC_KEY).is_none());
    }

    #[test]
    fn cookie_does_not_contain_the_org_name() {
        let value = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]).encode(&MAC_KEY);
        let raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        assert!(!raw.windows(4).any(|w| w == b"acme"));
    }

    #[test]
    fn session_is_read_from_any_cookie_and_with_the_previous_key() {
        let handle = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]);
        let old_key = [8; 32];
        let value = handle.encode(&old_key);
        let header = format!("sso_session=stale; a=1, sso_session={value}");
        assert_eq!(SessionHandle::from_cookie_header(&header, [&MAC_KEY, &old_key].into_iter()), Some(handle.clone()));
        assert_eq!(SessionHandle::from_cookie_header(&header, [&MAC_KEY].into_iter()), None, "an unknown key verifies nothing");
        assert_eq!(SessionHandle::from_cookie_header("a=1", [&MAC_KEY].into_iter()), None);
    }

    #[test]
    fn storage_key_is_not_the_id() {
        let handle = SessionHandle::new(&STORE_KEY, "acme", "u1", None, [1; 16]);
        assert_ne!(handle.storage_key(), hex(&[1; 16]));
    }
}
