//! Provider metadata (`/.well-known/openid-configuration`), checked against the
//! configured issuer.

use openidconnect::ProviderMetadataWithLogout;
use serde::{Deserialize, Serialize};

use super::IdpError;

/// Largest discovery document accepted, in bytes.
pub const MAX_DISCOVERY_BYTES: usize = 64 * 1024;

/// The parts of provider metadata edge-sso uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// Must equal the configured issuer exactly.
    pub issuer: String,
    /// Where browsers are sent to log in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// Userinfo, if offered.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// RP-initiated logout, if offered.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// `{issuer}/.well-known/openid-configuration`.
pub fn discovery_url(issuer: &str) -> String {
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
}

/// Parses a discovery document (bounded in size, then as openidconnect's typed provider
/// metadata with RP-initiated logout) and checks it belongs to `issuer`.
pub fn parse_provider_metadata(body: &[u8], issuer: &str) -> Result<ProviderMetadata, IdpError> {
    if body.len() > MAX_DISCOVERY_BYTES {
        return Err(IdpError::Misbehaving("discovery document too large".into()));
    }
    let typed: ProviderMetadataWithLogout =
        serde_json::from_slice(body).map_err(|_| IdpError::Misbehaving("discovery document is not valid provider metadata".into()))?;
    if typed.issuer().as_str() != issuer {
        return Err(IdpError::Misbehaving("discovery issuer does not match the configured issuer".into()));
    }
    let meta = ProviderMetadata {
        issuer: typed.issuer().to_string(),
        authorization_endpoint: typed.authorization_endpoint().to_string(),
        token_endpoint: typed
            .token_endpoint()
            .map(|t| t.to_string())
            .ok_or_else(|| IdpError::Misbehaving("discovery document has no token_endpoint".into()))?,
        jwks_uri: typed.jwks_uri().to_string(),
        userinfo_endpoint: typed.userinfo_endpoint().map(|u| u.to_string()),
        end_session_endpoint: typed.additional_metadata().end_session_endpoint.as_ref().map(|u| u.to_string()),
    };
    for url in [
        Some(&meta.authorization_endpoint),
        Some(&meta.token_endpoint),
        Some(&meta.jwks_uri),
        meta.userinfo_endpoint.as_ref(),
        meta.end_session_endpoint.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if crate::config::http_url(url, "endpoint").is_err() {
            return Err(IdpError::Misbehaving("discovery document has an invalid endpoint URL".into()));
        }
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"issuer":"https://idp.test","authorization_endpoint":"https://idp.test/a","token_endpoint":"https://idp.test/t","jwks_uri":"https://idp.test/k","response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],"extra":1}"#;

    #[test]
    fn rp_discovery_openid_config() {
        let meta = parse_provider_metadata(DOC.as_bytes(), "https://idp.test").unwrap();
        assert_eq!(meta.jwks_uri, "https://idp.test/k");
        assert_eq!(meta.end_session_endpoint, None);
    }

    #[test]
    fn rp_discovery_issuer_mismatch() {
        assert!(matches!(parse_provider_metadata(DOC.as_bytes(), "https://idp.test/"), Err(IdpError::Misbehaving(_))));
    }

    #[test]
    fn garbage_and_plain_http_endpoints_are_refused() {
        assert!(parse_provider_metadata(b"<html>", "https://idp.test").is_err());
        let doc = DOC.replace("https://idp.test/t", "http://evil.test/t");
        assert!(parse_provider_metadata(doc.as_bytes(), "https://idp.test").is_err());
    }

    #[test]
    fn discovery_url_has_no_double_slash() {
        assert_eq!(discovery_url("https://idp.test/"), "https://idp.test/.well-known/openid-configuration");
    }
}
