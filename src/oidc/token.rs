//! The authorization-code exchange at the token endpoint (`client_secret_basic` or
//! `client_secret_post`, with the PKCE verifier).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openidconnect::core::CoreTokenType;
use openidconnect::OAuth2TokenResponse;
use serde::Deserialize;
use url::form_urlencoded;

use super::{IdpError, OutgoingRequest};
use crate::config::{OrgConfig, TokenEndpointAuthMethod};
use crate::secret::Secret;

/// Largest token response accepted, in bytes.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Builds the code exchange request.
pub fn token_request(token_endpoint: &str, org: &OrgConfig, code: &str, redirect_uri: &str, code_verifier: &str) -> OutgoingRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_verifier", code_verifier);
    let mut headers = vec![
        ("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()),
        ("accept".to_owned(), "application/json".to_owned()),
    ];
    match org.token_endpoint_auth_method {
        TokenEndpointAuthMethod::ClientSecretBasic => {
            // RFC 6749 §2.3.1: both parts form-urlencoded before Basic encoding.
            let user = form_urlencoded::byte_serialize(org.client_id.as_bytes()).collect::<String>();
            let pass = form_urlencoded::byte_serialize(org.client_secret.expose().as_bytes()).collect::<String>();
            headers.push(("authorization".to_owned(), format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))));
        }
        TokenEndpointAuthMethod::ClientSecretPost => {
            form.append_pair("client_id", &org.client_id).append_pair("client_secret", org.client_secret.expose());
        }
    }
    OutgoingRequest { method: "POST", url: token_endpoint.to_owned(), headers, body: Some(form.finish()) }
}

/// The tokens of a successful exchange.
pub struct TokenResponse {
    /// The raw ID token (not yet verified).
    pub id_token: Secret,
    /// The access token, for userinfo.
    pub access_token: Option<Secret>,
}

/// Why the exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The IdP refused the code (`invalid_grant`…) — a 4xx answer (→ 401).
    #[error("the identity provider refused the code: {0}")]
    Refused(String),
    /// The answer was not a usable token response.
    #[error(transparent)]
    Idp(#[from] IdpError),
}

/// The `id_token` member, kept as sent (openidconnect's own `IdToken` field would decode
/// the claims before the signature is verified).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
struct RawIdToken {
    id_token: Option<String>,
}

impl openidconnect::ExtraTokenFields for RawIdToken {}

/// The token response as openidconnect's typed (RFC 6749 §5.1) response.
type OidcTokenResponse = openidconnect::StandardTokenResponse<RawIdToken, CoreTokenType>;

#[derive(Deserialize)]
struct RawTokenError {
    error: Option<String>,
}

/// Parses the token endpoint's answer.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, TokenError> {
    if body.len() > MAX_TOKEN_RESPONSE_BYTES {
        return Err(IdpError::Misbehaving("token response too large".into()).into());
    }
    if (400..500).contains(&status) {
        let code = serde_json::from_slice::<RawTokenError>(body).ok().and_then(|e| e.error).unwrap_or_else(|| format!("HTTP {status}"));
        let code: String = code.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        return Err(TokenError::Refused(code));
    }
    if !(200..300).contains(&status) {
        return Err(IdpError::Misbehaving(format!("token endpoint answered {status}")).into());
    }
    let typed: OidcTokenResponse =
        serde_json::from_slice(body).map_err(|_| IdpError::Misbehaving("token response is not a token response".into()))?;
    match typed.token_type() {
        CoreTokenType::Bearer => {}
        CoreTokenType::Extension(t) if t.eq_ignore_ascii_case("dpop") => {}
        _ => return Err(IdpError::Misbehaving("unexpected token_type".into()).into()),
    }
    let id_token = typed
        .extra_fields()
        .id_token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| IdpError::Misbehaving("token response has no id_token".into()))?;
    Ok(TokenResponse { id_token: Secret::new(id_token), access_token: Some(Secret::new(typed.access_token().secret().clone())) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn org(method: &str) -> OrgConfig {
        let json = format!(
            r#"{{"orgs":[{{"id":"a","issuer":"https://i.test","client_id":"my client","client_secret":"s&cr:t","token_endpoint_auth_method":"{method}"}}]}}"#
        );
        Config::parse(&json, &|_| None).unwrap().orgs.remove(0)
    }

    #[test]
    fn rp_client_secret_basic() {
        let req = token_request("https://i.test/token", &org("client_secret_basic"), "c0de", "https://app/_sso/callback", "ver");
        let auth = &req.headers.iter().find(|(k, _)| k == "authorization").unwrap().1;
        let decoded = String::from_utf8(STANDARD.decode(auth.trim_start_matches("Basic ")).unwrap()).unwrap();
        assert_eq!(decoded, "my+client:s%26cr%3At");
        let body = req.body.unwrap();
        assert!(body.contains("code=c0de") && body.contains("code_verifier=ver") && !body.contains("client_secret"));
    }

    #[test]
    fn client_secret_post_puts_credentials_in_the_body() {
        let req = token_request("https://i.test/token", &org("client_secret_post"), "c", "https://app/cb", "v");
        assert!(req.headers.iter().all(|(k, _)| k != "authorization"));
        let body = req.body.unwrap();
        assert!(body.contains("client_id=my+client") && body.contains("client_secret=s%26cr%3At"));
    }

    #[test]
    fn refused_code_is_a_client_error() {
        assert!(matches!(parse_token_response(400, br#"{"error":"invalid_grant"}"#), Err(TokenError::Refused(c)) if c == "invalid_grant"));
    }

    #[test]
    fn server_error_and_garbage_are_idp_misbehaving() {
        assert!(matches!(parse_token_response(500, b"oops"), Err(TokenError::Idp(_))));
        assert!(matches!(parse_token_response(200, b"<html>"), Err(TokenError::Idp(_))));
        assert!(matches!(parse_token_response(200, br#"{"access_token":"a"}"#), Err(TokenError::Idp(_))));
    }

    #[test]
    fn good_response_gives_the_id_token() {
        let t = parse_token_response(200, br#"{"id_token":"x.y.z","access_token":"a","token_type":"Bearer"}"#).unwrap();
        assert_eq!(t.id_token.expose(), "x.y.z");
    }

    #[test]
    fn token_type_must_be_bearer_or_dpop_and_access_token_is_required() {
        assert!(parse_token_response(200, br#"{"id_token":"x.y.z","access_token":"a","token_type":"DPoP"}"#).is_ok());
        for body in [
            br#"{"id_token":"x.y.z","access_token":"a","token_type":"mac"}"#.as_slice(),
            br#"{"id_token":"x.y.z","access_token":"a"}"#,
            br#"{"id_token":"x.y.z","token_type":"Bearer"}"#,
            br#"{"id_token":"","access_token":"a","token_type":"Bearer"}"#,
        ] {
            assert!(matches!(parse_token_response(200, body), Err(TokenError::Idp(_))), "{}", String::from_utf8_lossy(body));
        }
    }
}
