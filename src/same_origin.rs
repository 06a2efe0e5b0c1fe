//! The same-origin check of every state-changing form the worker serves (`POST
//! /_sso/logout` and any later one): CSRF protection without tokens, from the
//! headers browsers set and pages cannot forge.

/// Whether a state-changing request comes from a page of the worker's own origin.
///
/// - `Origin` equal to `base_origin` (`scheme://host[:port]`): yes.
/// - `Origin: null` (what a browser sends from a page whose `Referrer-Policy` is
///   `no-referrer`, and from sandboxed frames, `file:` and data URLs) or no `Origin`:
///   yes only with `Sec-Fetch-Site: same-origin`, which only the browser sets.
/// - Any other `Origin`, or neither header: no.
pub fn is_same_origin(origin: Option<&str>, sec_fetch_site: Option<&str>, base_origin: &str) -> bool {
    let fetch_site_same = sec_fetch_site.is_some_and(|s| s.trim().eq_ignore_ascii_case("same-origin"));
    match origin.map(str::trim) {
        Some("null") | None => fetch_site_same,
        Some(origin) => origin.eq_ignore_ascii_case(base_origin.trim_end_matches('/')),
    }
}

#[cfg(test)]
mod tests {
    use super::is_same_origin;

    const BASE: &str = "https://app.example.com";

    #[test]
    fn own_origin_is_same_origin() {
        assert!(is_same_origin(Some(BASE), None, BASE));
        assert!(is_same_origin(Some(BASE), Some("same-origin"), BASE));
        assert!(is_same_origin(Some("HTTPS://APP.example.com"), None, "https://app.example.com/"));
    }

    #[test]
    fn null_origin_from_a_no_referrer_page_is_same_origin_with_sec_fetch_site() {
        // Chromium, from a page served with `Referrer-Policy: no-referrer`.
        assert!(is_same_origin(Some("null"), Some("same-origin"), BASE));
        assert!(!is_same_origin(Some("null"), None, BASE));
        assert!(!is_same_origin(Some("null"), Some("cross-site"), BASE));
        assert!(!is_same_origin(Some("null"), Some("same-site"), BASE));
        assert!(!is_same_origin(Some("null"), Some("none"), BASE));
    }

    #[test]
    fn without_origin_only_sec_fetch_site_counts() {
        assert!(is_same_origin(None, Some("same-origin"), BASE));
        assert!(!is_same_origin(None, None, BASE));
        assert!(!is_same_origin(None, Some("same-site"), BASE));
    }

    #[test]
    fn other_origins_are_refused_whatever_sec_fetch_site_says() {
        for origin in
            ["https://evil.example", "https://app.example.com.evil.example", "http://app.example.com", "https://app.example.com:444", ""]
        {
            assert!(!is_same_origin(Some(origin), Some("same-origin"), BASE), "{origin}");
        }
    }
}
