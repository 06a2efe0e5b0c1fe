//! `return_to`: only ever a same-site relative path; anything else becomes `/`.

use url::Url;

/// Longest `return_to` kept.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// Returns `value` when it is a safe same-site path (with query), else `/`.
pub fn safe_return_to(value: Option<&str>) -> String {
    value.and_then(clean).unwrap_or_else(|| "/".to_owned())
}

fn clean(value: &str) -> Option<String> {
    if value.len() > MAX_RETURN_TO_LEN || !value.starts_with('/') {
        return None;
    }
    // Browsers read `//host`, `/\host` and control characters in surprising ways.
    if value.contains('\\') || value.chars().any(char::is_control) || value.starts_with("//") {
        return None;
    }
    let decoded: Vec<u8> = percent_decode(value.as_bytes());
    if decoded.starts_with(b"//") || decoded.starts_with(b"/\\") || decoded.iter().any(|b| *b == b'\\' || b.is_ascii_control()) {
        return None;
    }
    let base = Url::parse("https://edge-sso.invalid/").ok()?;
    let joined = base.join(value).ok()?;
    if joined.origin() != base.origin() || joined.path().starts_with("/_sso/") {
        return None;
    }
    let mut out = joined.path().to_owned();
    if let Some(q) = joined.query() {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let hex = |j: usize| input.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn same_site_paths_are_kept() {
        assert_eq!(safe_return_to(Some("/reports?year=2026")), "/reports?year=2026");
        assert_eq!(safe_return_to(Some("/a/b/")), "/a/b/");
    }

    #[test]
    fn open_redirect_attempts_become_root() {
        for evil in [
            "//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "/%2F%2Fevil.com", "/%5Cevil.com",
            "javascript:alert(1)", "evil.com", "/\tevil", "%2F%2Fevil.com", "///evil.com", "/_sso/logout", "",
        ] {
            assert_eq!(safe_return_to(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn overlong_return_to_becomes_root() {
        assert_eq!(safe_return_to(Some(&format!("/{}", "a".repeat(5000)))), "/");
    }
}
