//! The `sso_session` cookie: any value decodes or is refused without panicking, and a
//! value that passes the MAC names a well-formed handle (and its org's jurisdiction, if any).
#![no_main]

use edge_sso::keys::mac;
use edge_sso::session::cookie::SessionHandle;
use edge_sso_fuzz::{b64, derived_keys};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = derived_keys().session_cookie();

    // The cookie value as a browser (or an attacker) sends it.
    if let Ok(value) = std::str::from_utf8(data) {
        if let Some(handle) = SessionHandle::decode(value, key) {
            assert_eq!(handle.encode(key), value, "a verified cookie re-encodes to itself");
            check(&handle);
        }
    }

    // The bytes as a cookie body under a valid MAC: exercises what lies past the MAC.
    let body = &data[..data.len().min(64)];
    let mut raw = body.to_vec();
    raw.extend_from_slice(&mac(key, &[body])[..16]);
    let value = b64(&raw);
    let decoded = SessionHandle::decode(&value, key);
    let v2 = body.len() == 45 && body.first() == Some(&2);
    let v3 = body.len() == 46 && body.first() == Some(&3) && matches!(body.get(1), Some(1 | 2));
    assert_eq!(decoded.is_some(), v2 || v3, "only v2 bodies of 45 bytes, and v3 ones of 46 naming a known jurisdiction, decode");
    if let Some(handle) = decoded {
        assert_eq!(handle.encode(key), value);
        check(&handle);
    }
});

fn check(handle: &SessionHandle) {
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let store = handle.store_name();
    assert!(store.len() == 56 && is_hex(&store), "user object name {store:?}");
    let directory = handle.directory_name();
    assert!(directory.len() == 24 && store.starts_with(&directory), "directory name {directory:?}");
    let storage_key = handle.storage_key();
    assert!(storage_key.len() == 64 && is_hex(&storage_key));
    let address = handle.store_address();
    assert_eq!((address.name, address.jurisdiction), (store, handle.jurisdiction()));
}
