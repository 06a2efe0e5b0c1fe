//! `return_to`: whatever comes in, what goes out is a same-site path that no browser
//! reads as another host, outside `/_sso/`, within the length limit, and cleaning it
//! again changes nothing.
#![no_main]

use edge_sso::login::return_to::{safe_return_to, MAX_RETURN_TO_LEN};
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else { return };
    let out = safe_return_to(Some(value));

    assert!(out.starts_with('/'), "{value:?} -> {out:?}");
    assert!(out.len() <= MAX_RETURN_TO_LEN, "{value:?} grew to {} bytes", out.len());
    assert!(!out.starts_with("//") && !out.starts_with("/\\"), "open redirect: {value:?} -> {out:?}");
    assert!(!out.contains('\\') && !out.chars().any(char::is_control), "{value:?} -> {out:?}");
    assert!(!out.starts_with("/_sso/"), "{value:?} -> {out:?}");
    let page = Url::parse("https://app.example.com/reports/2026?x=1").expect("static URL");
    let followed = page.join(&out).expect("a clean path resolves");
    assert_eq!(followed.origin(), page.origin(), "{value:?} -> {out:?} leaves the site");
    assert_eq!(safe_return_to(Some(&out)), out, "cleaning is idempotent for {value:?}");
});
