//! What the origin receives: spoofable `x-sso-*` headers and `sso_*` cookies removed,
//! then the identity headers of an authenticated user added.

/// Whether a request header must be removed before forwarding: its lower-cased name,
/// with `_` read as `-`, starts with `x-sso-`.
pub fn is_spoofable_header(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 6
        && bytes.iter().take(6).zip(b"x-sso-").all(|(a, b)| {
            let a = a.to_ascii_lowercase();
            a == *b || (a == b'_' && *b == b'-')
        })
}

/// The `Cookie` header without the `sso_*` cookies; `None` when nothing is left.
pub fn strip_sso_cookies(cookie_header: &str) -> Option<String> {
    let kept: Vec<&str> = cookie_header
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .filter(|c| {
            let name = c.split('=').next().unwrap_or_default().trim();
            !name.to_ascii_lowercase().starts_with("sso_")
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// The value of one cookie in a `Cookie` header (first occurrence).
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header.split(';').find_map(|c| {
        let (k, v) = c.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// Percent-encodes a header value as the interface specifies: the UTF-8 bytes outside
/// visible ASCII, and `%` itself.
pub fn header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if (0x21..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push('%');
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

/// The identity headers, in order.
pub fn identity_headers(subject: &str, email: Option<&str>, name: Option<&str>, org: &str, issuer: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-sso-subject", header_value(subject)),
        ("x-sso-email", header_value(email.unwrap_or_default())),
        ("x-sso-name", header_value(name.unwrap_or_default())),
        ("x-sso-org", header_value(org)),
        ("x-sso-issuer", header_value(issuer)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofed_headers_are_recognized_in_every_spelling() {
        for name in ["X-Sso-Email", "x-sso-subject", "X_Sso_Email", "x_sso-name", "X-SSO-ASSERTION", "x-sso-"] {
            assert!(is_spoofable_header(name), "{name}");
        }
        for name in ["x-ssox", "x-ss", "accept", "x-forwarded-for", "sso-email"] {
            assert!(!is_spoofable_header(name), "{name}");
        }
    }

    #[test]
    fn sso_cookies_are_stripped() {
        assert_eq!(strip_sso_cookies("a=1; sso_session=x; SSO_login_ab=y; b=2").as_deref(), Some("a=1; b=2"));
        assert_eq!(strip_sso_cookies("sso_session=x"), None);
    }

    #[test]
    fn cookie_value_finds_exact_name() {
        assert_eq!(cookie_value("xsso_session=1; sso_session=2", "sso_session"), Some("2"));
        assert_eq!(cookie_value("a=1", "sso_session"), None);
    }

    #[test]
    fn header_values_are_percent_encoded() {
        assert_eq!(header_value("Ana Lima"), "Ana%20Lima");
        assert_eq!(header_value("José 100%"), "Jos%C3%A9%20100%25");
        assert_eq!(header_value("a\r\nX-Evil: 1"), "a%0D%0AX-Evil:%201");
    }
}
