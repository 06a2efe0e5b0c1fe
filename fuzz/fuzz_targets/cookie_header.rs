//! Request headers on their way to the origin: the `Cookie` header (several fields
//! joined with `;` or `,`) loses every `sso_*` cookie, cookie lookup returns a trimmed value, identity header values are visible
//! ASCII that percent-decode back to the input, and `x-sso-*` names are recognized in
//! every spelling.
#![no_main]

use edge_sso::forward::{cookie_value, header_value, is_spoofable_header, strip_sso_cookies};
use edge_sso::session::cookie::{SessionHandle, SESSION_COOKIE};
use edge_sso_fuzz::derived_keys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };

    if let Some(kept) = strip_sso_cookies(header) {
        assert!(!kept.is_empty());
        for cookie in kept.split([';', ',']) {
            let name = cookie.split('=').next().unwrap_or_default().trim();
            assert!(!name.to_ascii_lowercase().starts_with("sso_"), "{cookie:?} kept from {header:?}");
        }
        assert_eq!(cookie_value(&kept, SESSION_COOKIE), None, "session cookie forwarded from {header:?}");
    }

    if let Some(value) = cookie_value(header, SESSION_COOKIE) {
        assert!(value.trim() == value && !value.contains(';') && !value.contains(','));
        let _ = SessionHandle::decode(value, derived_keys().session_cookie());
    }

    let encoded = header_value(header);
    assert!(encoded.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{encoded:?}");
    assert_eq!(percent_decode(&encoded), data, "header_value loses information");

    let expected =
        header.len() >= 6 && header.as_bytes()[..6].iter().map(|b| if *b == b'_' { b'-' } else { b.to_ascii_lowercase() }).eq(*b"x-sso-");
    assert_eq!(is_spoofable_header(header), expected, "{header:?}");
});

/// Strict percent-decoding: every `%` is followed by two upper-case hex digits.
fn percent_decode(encoded: &str) -> Vec<u8> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
            out.push(u8::from_str_radix(hex, 16).expect("two hex digits after %"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
