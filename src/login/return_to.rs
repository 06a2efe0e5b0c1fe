//! `return_to`: only ever a same-site relative path; anything else becomes `/`.

use url::Url;

/// Longest `return_to` kept.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// The operator's console: the one page of edge-sso's own a sign-in may return to.
const CONSOLE_PATH: &str = "/_sso/admin/";

/// Returns `value` when it is a safe same-site path (with query), else `/`.
pub fn safe_return_to(value: Option<&str>) -> String {
    value.and_then(clean).unwrap_or_else(|| "/".to_owned())
}

fn clean(value: &str) -> Option<String> {
    if value.len() > MAX_RETURN_TO_LEN || !value.starts_with('/') || is_ambiguous(value) {
        return None;
    }
    let base = Url::parse("https://edge-sso.invalid/").ok()?;
    let joined = base.join(value).ok()?;
    // edge-sso's own paths are no destination, except the operator's console (a page).
    if joined.origin() != base.origin() || joined.path().starts_with("/_sso/") && joined.path() != CONSOLE_PATH {
        return None;
    }
    let mut out = joined.path().to_owned();
    if let Some(q) = joined.query() {
        out.push('?');
        out.push_str(q);
    }
    // Dot segments can fold into a leading `//` (`/a/..//evil.com`), and percent-encoding
    // can triple the length: check the result too.
    if out.len() > MAX_RETURN_TO_LEN || is_ambiguous(&out) {
        return None;
    }
    Some(out)
}

/// Whether a browser might read `path` as something other than a path on this site:
/// `//host`, `/\host`, backslashes or control characters, raw or percent-encoded.
fn is_ambiguous(path: &str) -> bool {
    if path.contains('\\') || path.chars().any(char::is_control) || path.starts_with("//") {
        return true;
    }
    let decoded = crate::public_path::percent_decode(path.as_bytes());
    decoded.starts_with(b"//") || decoded.starts_with(b"/\\") || decoded.iter().any(|b| *b == b'\\' || b.is_ascii_control())
}

#[cfg(test)]
mod tests {
    use super::{safe_return_to, MAX_RETURN_TO_LEN};

    #[test]
    fn same_site_paths_are_kept() {
        assert_eq!(safe_return_to(Some("/reports?year=2026")), "/reports?year=2026");
        assert_eq!(safe_return_to(Some("/a/b/")), "/a/b/");
    }

    #[test]
    fn open_redirect_attempts_become_root() {
        for evil in [
            "//evil.com",
            "https://evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/%2F%2Fevil.com",
            "/%5Cevil.com",
            "javascript:alert(1)",
            "evil.com",
            "/\tevil",
            "%2F%2Fevil.com",
            "///evil.com",
            "/_sso/logout",
            "",
        ] {
            assert_eq!(safe_return_to(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn the_console_is_the_one_own_page_a_sign_in_returns_to() {
        assert_eq!(safe_return_to(Some("/_sso/admin/")), "/_sso/admin/");
        for other in ["/_sso/admin/orgs", "/_sso/admin", "/_sso/setup/x", "/_sso/admin/../logout"] {
            assert_eq!(safe_return_to(Some(other)), "/", "{other}");
        }
    }

    #[test]
    fn dot_segments_cannot_fold_into_another_host() {
        // Found by the `return_to` fuzz target: `..` removed `/xaa`, leaving `//xaa/…`.
        for evil in ["/xaa/..//xaa/bf=\u{1f600}", "/a/..//evil.com", "/a/%2e%2e//evil.com", "/a/./..//evil.com"] {
            assert_eq!(safe_return_to(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_return_to(Some("/a/../b")), "/b");
    }

    #[test]
    fn overlong_return_to_becomes_root() {
        assert_eq!(safe_return_to(Some(&format!("/{}", "a".repeat(5000)))), "/");
    }

    #[test]
    fn return_to_that_grows_past_the_limit_when_encoded_becomes_root() {
        // 2,045 bytes in, 6,133 out: the login-state cookie would outgrow what browsers keep.
        assert_eq!(safe_return_to(Some(&format!("/{}", "\u{1f600}".repeat(511)))), "/");
        // Found by the `return_to` fuzz target (802 bytes in, over 2,048 once encoded).
        let found = "/rp\"ke <<<<<<<<<<<<<{{{{{{{{{{{{{{{{{{{{{{{{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{ <<<<<<<<<<<<<{{{{{{{{{{{{{{{{{{{{{{{{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{{{{;{if\"<<<<<<<<<{{{{{{{{{{{{{{{{{{{{{{{{{{{f\"=😀htvx=😀h/af=😀h{{{@😀htvx=😀<<:<<<<<<<<<{{{[{{{{{{{[{{{{{{{{{{{{{{{{{{{{{{{S{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{;{if\"=😀htvx=\u{1e600}<{{{{{{{{{{{{{{{if\"=😀htvx=😀<<:<<<<<<<<<{{{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{;{bf\"={{{;{if\"@😀htvx=😀<<:<<<<<<<<<{{{[{{{{{{{[{{{{{{{{{{{{{{{{{{{{{{{S{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{;{if\"=😀htvx=\u{1e600}<{{{{{{{{{{{{{{{if\"=😀htvx=😀<<:<<<<<<<<<{{{{{{f\"=😀htvx=😀h/af=😀h{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{;{bf\"=😀htvx=😀<<";
        assert_eq!(safe_return_to(Some(found)), "/");
        let kept = safe_return_to(Some(&format!("/{}", "\u{e9}".repeat(340))));
        assert!(kept.len() <= MAX_RETURN_TO_LEN && kept.len() > 2000, "{}", kept.len());
    }
}
