//! `SSO.branding`: the product name, logo, accent colour and support contact shown on
//! every page edge-sso serves. Every value is checked here so that nothing written in the
//! configuration can inject markup into the pages or their CSS.

use serde::Deserialize;

use super::{http_url, is_domain, ConfigError};

/// Longest product name, in characters.
pub const MAX_PRODUCT_NAME_CHARS: usize = 60;
/// Longest `logo_url` or `support_url`, in bytes (a `data:` logo may be longer).
pub const MAX_URL_BYTES: usize = 2048;
/// Longest `data:` logo, in bytes.
pub const MAX_DATA_LOGO_BYTES: usize = 32 * 1024;
/// Longest support email address, in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;

/// What the pages show about the product. `Default`: unbranded pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branding {
    /// The product's name ("Acme Portal"), shown on every page and in its title.
    pub product_name: Option<String>,
    /// The logo: an `https` URL or a `data:image/…;base64,` URL.
    pub logo: Option<Logo>,
    /// `#rrggbb` (lower case), used for buttons and links.
    pub accent_color: Option<String>,
    /// Where users get help.
    pub support: Option<Support>,
}

/// A validated logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logo {
    /// An image on another site: the URL as serialized by the `url` crate, and its
    /// `scheme://host[:port]` (the pages' `img-src`).
    Remote {
        /// The full URL.
        url: String,
        /// Its origin.
        origin: String,
    },
    /// An inline `data:image/…;base64,…` URL (nothing fetched from elsewhere).
    Inline(String),
}

impl Logo {
    /// The `src` of the `<img>`.
    pub fn src(&self) -> &str {
        match self {
            Self::Remote { url, .. } => url,
            Self::Inline(data) => data,
        }
    }

    /// The CSP `img-src` source that allows exactly this logo.
    pub fn csp_source(&self) -> &str {
        match self {
            Self::Remote { origin, .. } => origin,
            Self::Inline(_) => "data:",
        }
    }
}

/// The support contact: an email address, a web page, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    /// `support_email`.
    pub email: Option<String>,
    /// `support_url`.
    pub url: Option<String>,
}

/// `SSO.branding` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBranding {
    product_name: String,
    #[serde(default)]
    logo_url: Option<String>,
    #[serde(default)]
    accent_color: Option<String>,
    #[serde(default)]
    support_email: Option<String>,
    #[serde(default)]
    support_url: Option<String>,
}

impl RawBranding {
    /// Checks every field; errors name `branding.<field>`.
    pub(super) fn validate(self) -> Result<Branding, ConfigError> {
        let product_name = self.product_name.trim().to_owned();
        let name_chars = product_name.chars().count();
        if name_chars == 0 || name_chars > MAX_PRODUCT_NAME_CHARS || product_name.chars().any(char::is_control) {
            return Err(ConfigError::new(
                "branding.product_name",
                format!("must be 1 to {MAX_PRODUCT_NAME_CHARS} characters, without control characters"),
            ));
        }
        let logo = self.logo_url.map(|u| logo(&u)).transpose()?;
        let accent_color = self.accent_color.map(|c| color(&c)).transpose()?;
        let email = self.support_email.map(|e| support_email(&e)).transpose()?;
        let url = self.support_url.map(|u| page_url(&u, "branding.support_url")).transpose()?;
        let support = (email.is_some() || url.is_some()).then_some(Support { email, url });
        Ok(Branding { product_name: Some(product_name), logo, accent_color, support })
    }
}

const LOGO_TYPES: [&str; 5] = ["image/png", "image/svg+xml", "image/webp", "image/gif", "image/jpeg"];

fn logo(value: &str) -> Result<Logo, ConfigError> {
    const PATH: &str = "branding.logo_url";
    if let Some(rest) = value.strip_prefix("data:") {
        let Some((kind, data)) = rest.split_once(";base64,") else {
            return Err(ConfigError::new(PATH, "a data: logo must be data:image/<type>;base64,<data>"));
        };
        if !LOGO_TYPES.contains(&kind) {
            return Err(ConfigError::new(PATH, format!("a data: logo must be one of {}", LOGO_TYPES.join(", "))));
        }
        if value.len() > MAX_DATA_LOGO_BYTES {
            return Err(ConfigError::new(PATH, format!("a data: logo must be at most {MAX_DATA_LOGO_BYTES} bytes")));
        }
        if data.is_empty() || !data.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
            return Err(ConfigError::new(PATH, "the data: logo is not base64"));
        }
        return Ok(Logo::Inline(value.to_owned()));
    }
    let url = page_url(value, PATH)?;
    let origin =
        url::Url::parse(&url).map(|u| u.origin().ascii_serialization()).map_err(|_| ConfigError::new(PATH, "not an absolute URL"))?;
    Ok(Logo::Remote { url, origin })
}

/// An http(s) URL (https except on loopback, as everywhere in `SSO`), bounded, serialized
/// with only characters that need no quoting anywhere in a page.
fn page_url(value: &str, path: &str) -> Result<String, ConfigError> {
    if value.len() > MAX_URL_BYTES {
        return Err(ConfigError::new(path, format!("longer than {MAX_URL_BYTES} bytes")));
    }
    let url = http_url(value, path)?.to_string();
    if !url.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')) {
        return Err(ConfigError::new(path, "contains characters a URL cannot carry unencoded"));
    }
    Ok(url)
}

/// `#rgb` or `#rrggbb`, normalized to `#rrggbb` in lower case.
fn color(value: &str) -> Result<String, ConfigError> {
    let hex = value.strip_prefix('#').filter(|h| (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(hex) = hex else {
        return Err(ConfigError::new("branding.accent_color", "must be a colour like #1a73e8 or #17e"));
    };
    let hex = hex.to_ascii_lowercase();
    Ok(if hex.len() == 3 { format!("#{}", hex.chars().flat_map(|c| [c, c]).collect::<String>()) } else { format!("#{hex}") })
}

fn support_email(value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let valid = value.len() <= MAX_EMAIL_BYTES
        && value.split_once('@').is_some_and(|(local, domain)| {
            (1..=64).contains(&local.len())
                && local.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_'))
                && is_domain(&domain.to_ascii_lowercase())
        });
    if !valid {
        return Err(ConfigError::new("branding.support_email", "not an email address"));
    }
    Ok(value.to_owned())
}

/// Whether white text reads well on `#rrggbb` (WCAG contrast of at least 4.5:1);
/// otherwise dark text is used on it.
pub fn white_text_on(color: &str) -> bool {
    let channel = |i: usize| {
        let v = color.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).map_or(0.0, |v| f64::from(v) / 255.0);
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with white: 1.05 / (L + 0.05) ≥ 4.5.
    1.05 / (luminance + 0.05) >= 4.5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branding(json: &str) -> Result<Branding, ConfigError> {
        let raw: RawBranding = serde_json::from_str(json).map_err(|e| ConfigError::new("branding", e.to_string()))?;
        raw.validate()
    }

    fn problem(json: &str) -> String {
        branding(json).expect_err("should be refused").to_string()
    }

    #[test]
    fn a_full_branding_is_accepted_and_normalized() {
        let b = branding(
            r##"{"product_name":"  Acme Portal ","logo_url":"https://cdn.acme.com/logo.svg","accent_color":"#1A7",
                "support_email":"help@acme.com","support_url":"https://help.acme.com/sso"}"##,
        )
        .unwrap();
        assert_eq!(b.product_name.as_deref(), Some("Acme Portal"));
        assert_eq!(b.accent_color.as_deref(), Some("#11aa77"));
        let logo = b.logo.unwrap();
        assert_eq!(logo.src(), "https://cdn.acme.com/logo.svg");
        assert_eq!(logo.csp_source(), "https://cdn.acme.com");
        let support = b.support.unwrap();
        assert_eq!(support.email.as_deref(), Some("help@acme.com"));
        assert_eq!(support.url.as_deref(), Some("https://help.acme.com/sso"));
    }

    #[test]
    fn product_name_is_bounded_and_has_no_control_characters() {
        assert!(problem(r#"{"product_name":" "}"#).starts_with("branding.product_name: must be 1 to 60"));
        assert!(problem(&format!(r#"{{"product_name":"{}"}}"#, "x".repeat(61))).starts_with("branding.product_name"));
        assert!(problem(r#"{"product_name":"a\nb"}"#).starts_with("branding.product_name"));
        assert!(branding(&format!(r#"{{"product_name":"{}"}}"#, "é".repeat(60))).is_ok());
    }

    #[test]
    fn accent_color_must_be_a_hex_colour() {
        for bad in ["red", "#12", "#1234567", "#12345g", "1a73e8", "#fff;background:url(x)", "#fff}body{"] {
            let json = format!(r#"{{"product_name":"P","accent_color":{}}}"#, serde_json::to_string(bad).unwrap());
            assert_eq!(problem(&json), "branding.accent_color: must be a colour like #1a73e8 or #17e", "{bad}");
        }
    }

    #[test]
    fn logo_must_be_https_or_an_inline_image() {
        assert_eq!(
            problem(r#"{"product_name":"P","logo_url":"http://cdn.acme.com/l.png"}"#),
            "branding.logo_url: must use https (http only on localhost)"
        );
        assert_eq!(problem(r#"{"product_name":"P","logo_url":"javascript:alert(1)"}"#), "branding.logo_url: not an http(s) URL");
        assert!(problem(r#"{"product_name":"P","logo_url":"data:text/html;base64,PHNjcmlwdD4="}"#).contains("data: logo must be one of"));
        assert_eq!(
            problem(r#"{"product_name":"P","logo_url":"data:image/png;base64,abc\"onerror=x"}"#),
            "branding.logo_url: the data: logo is not base64"
        );
        let inline = branding(r#"{"product_name":"P","logo_url":"data:image/png;base64,iVBORw0KGgo="}"#).unwrap();
        assert_eq!(inline.logo.unwrap().csp_source(), "data:");
    }

    #[test]
    fn logo_url_quotes_are_encoded_or_refused() {
        let b = branding(r#"{"product_name":"P","logo_url":"https://cdn.acme.com/a\"b<d>.png"}"#).unwrap();
        let src = b.logo.unwrap().src().to_owned();
        assert_eq!(src, "https://cdn.acme.com/a%22b%3Cd%3E.png");
        assert_eq!(
            problem(r#"{"product_name":"P","logo_url":"https://cdn.acme.com/it's.png"}"#),
            "branding.logo_url: contains characters a URL cannot carry unencoded"
        );
    }

    #[test]
    fn support_contact_is_checked() {
        assert_eq!(problem(r#"{"product_name":"P","support_email":"not an email"}"#), "branding.support_email: not an email address");
        assert_eq!(problem(r#"{"product_name":"P","support_email":"a\"@x.com"}"#), "branding.support_email: not an email address");
        assert_eq!(problem(r#"{"product_name":"P","support_url":"ftp://x.com"}"#), "branding.support_url: not an http(s) URL");
        assert!(branding(r#"{"product_name":"P"}"#).unwrap().support.is_none());
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(problem(r##"{"product_name":"P","colour":"#fff"}"##).contains("unknown field `colour`"));
    }

    #[test]
    fn text_colour_follows_the_accent() {
        assert!(white_text_on("#2552d0"));
        assert!(white_text_on("#000000"));
        assert!(!white_text_on("#ffff00"));
        assert!(!white_text_on("#ffffff"));
    }
}
