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
///
/// Several `Cookie` fields (HTTP/2 sends each cookie as its own field) reach the worker
/// joined into one value, with `; ` or `, ` between them: both separate cookies here,
/// and what is kept keeps its original separators.
pub fn strip_sso_cookies(cookie_header: &str) -> Option<String> {
    let mut out = String::with_capacity(cookie_header.len());
    for (separator, item) in cookie_items(cookie_header) {
        let name = item.split('=').next().unwrap_or_default().trim();
        if item.trim().is_empty() || name.to_ascii_lowercase().starts_with("sso_") {
            continue;
        }
        if !out.is_empty() {
            out.push(separator);
            out.push(' ');
        }
        out.push_str(item.trim());
    }
    (!out.is_empty()).then_some(out)
}

/// The value of one cookie in a `Cookie` header (first occurrence).
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_items(cookie_header).find_map(|(_, c)| {
        let (k, v) = c.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// Every value of cookie `name` in a `Cookie` header, in order: a browser may hold
/// several (other paths or domains), and joined fields may repeat one.
pub fn cookie_values<'a>(cookie_header: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    cookie_items(cookie_header).filter_map(move |(_, c)| {
        let (k, v) = c.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// The items of a `Cookie` header, each with the separator (`;` or `,`) before it.
fn cookie_items(cookie_header: &str) -> impl Iterator<Item = (char, &str)> {
    let mut rest = cookie_header;
    let mut separator = ';';
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find([';', ',']).unwrap_or(rest.len());
        let (item, tail) = rest.split_at(end);
        let before = separator;
        let mut chars = tail.chars();
        separator = chars.next().unwrap_or(';');
        rest = chars.as_str();
        Some((before, item))
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
    fn joined_cookie_fields_are_read_and_stripped_as_one_list() {
        // Two `Cookie` fields joined by the runtime, either way.
        for joined in ["a=1; sso_session=x, b=2; sso_login_1=y", "a=1, sso_session=x; b=2, sso_login_1=y"] {
            assert_eq!(cookie_value(joined, "sso_session"), Some("x"), "{joined}");
            let kept = strip_sso_cookies(joined).unwrap();
            assert!(!kept.contains("sso_"), "{kept}");
            assert!(kept.contains("a=1") && kept.contains("b=2"), "{kept}");
        }
        assert_eq!(strip_sso_cookies("sso_session=x, sso_other=y"), None);
        assert_eq!(cookie_values("sso_session=old; a=1, sso_session=new", "sso_session").collect::<Vec<_>>(), ["old", "new"]);
    }

    #[test]
    fn cookie_values_with_commas_are_forwarded_intact() {
        assert_eq!(strip_sso_cookies("d=Mon, 01 Jan 2026; sso_session=x").as_deref(), Some("d=Mon, 01 Jan 2026"));
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
