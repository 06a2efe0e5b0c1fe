//! Starting a login: choosing the org (by id, by email domain, or the only one),
//! cleaning `return_to`, and building the authorization request with PKCE.

pub mod notice;
pub mod return_to;
pub mod state;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::OrgConfig;
use crate::keys::sha256;
use crate::secret::constant_time_eq;
pub use return_to::safe_return_to;
pub use state::{LoginState, LOGIN_STATE_TTL_SECS};

/// Longest email accepted in `email` / `login_hint`.
pub const MAX_EMAIL_LEN: usize = 254;

/// Which org a login goes to, or why none was chosen.
#[derive(Debug, Clone, Copy)]
pub enum OrgChoice<'a> {
    /// This org.
    Org(&'a OrgConfig),
    /// Nothing to go by: ask for the email.
    AskForEmail,
    /// No org has the email's domain.
    UnknownDomain,
    /// What was typed is not an email address.
    InvalidEmail,
    /// `org=` names no org.
    UnknownOrg,
    /// `iss=` (third-party initiated login) names no org's issuer.
    UnknownIssuer,
}

/// What `GET /_sso/login` was asked: SP-initiated (`org`, `email`, `return_to`) or
/// third-party initiated (OIDC Core §4: `iss`, `login_hint`, `target_link_uri`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginParams {
    /// `org`.
    pub org: Option<String>,
    /// `iss`: the issuer to use.
    pub issuer: Option<String>,
    /// `email`, else `login_hint` (trimmed, bounded).
    pub email: Option<String>,
    /// A safe same-site path: `return_to`, else `target_link_uri` on the worker's own
    /// origin; anything else is `/`.
    pub return_to: String,
}

impl LoginParams {
    /// Reads the query (`get` gives a parameter's first value); `base_url` is the
    /// worker's external `scheme://host[:port]`.
    pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>, base_url: &str) -> Self {
        let nonempty = |name: &str| get(name).map(str::trim).filter(|v| !v.is_empty());
        let email = nonempty("email").or_else(|| nonempty("login_hint")).filter(|e| e.len() <= MAX_EMAIL_LEN).map(str::to_owned);
        let return_to = match (get("return_to"), get("target_link_uri")) {
            (Some(r), _) => safe_return_to(Some(r)),
            (None, Some(target)) => target_link_return_to(target, base_url),
            (None, None) => "/".to_owned(),
        };
        Self { org: nonempty("org").map(str::to_owned), issuer: nonempty("iss").map(str::to_owned), email, return_to }
    }

    /// Chooses the org: by `org`, then `iss` (exact match), then the email's domain,
    /// then the only org. Several orgs sharing the issuer are told apart by the email.
    pub fn choose<'a>(&self, orgs: &'a [OrgConfig]) -> OrgChoice<'a> {
        if self.org.is_some() {
            return choose_org(orgs, self.org.as_deref(), self.email.as_deref());
        }
        if let Some(issuer) = &self.issuer {
            let by_issuer: Vec<OrgConfig> = orgs.iter().filter(|o| &o.issuer == issuer).cloned().collect();
            return match by_issuer.as_slice() {
                [] => OrgChoice::UnknownIssuer,
                [_] => orgs.iter().find(|o| &o.issuer == issuer).map_or(OrgChoice::UnknownIssuer, OrgChoice::Org),
                _ => match choose_org(&by_issuer, None, self.email.as_deref()) {
                    OrgChoice::Org(chosen) => orgs.iter().find(|o| o.id == chosen.id).map_or(OrgChoice::AskForEmail, OrgChoice::Org),
                    _ => OrgChoice::AskForEmail,
                },
            };
        }
        choose_org(orgs, None, self.email.as_deref())
    }
}

/// `target_link_uri` as a `return_to`: a relative path, or an absolute URL on the
/// worker's own origin (its path and query); anything else is `/` (never an open redirect).
pub fn target_link_return_to(target: &str, base_url: &str) -> String {
    if target.starts_with('/') {
        return safe_return_to(Some(target));
    }
    let (Ok(target), Ok(base)) = (Url::parse(target), Url::parse(base_url)) else { return "/".to_owned() };
    if target.origin() != base.origin() || !target.username().is_empty() || target.password().is_some() {
        return "/".to_owned();
    }
    let mut path = target.path().to_owned();
    if let Some(q) = target.query() {
        path.push('?');
        path.push_str(q);
    }
    safe_return_to(Some(&path))
}

/// Chooses the org: by `org`, else by the domain of `email`, else the only org.
pub fn choose_org<'a>(orgs: &'a [OrgConfig], org: Option<&str>, email: Option<&str>) -> OrgChoice<'a> {
    if let Some(id) = org.filter(|s| !s.is_empty()) {
        return orgs.iter().find(|o| o.id == id).map_or(OrgChoice::UnknownOrg, OrgChoice::Org);
    }
    if let Some(email) = email.map(str::trim).filter(|s| !s.is_empty()) {
        let Some(domain) = email_domain(email) else { return OrgChoice::InvalidEmail };
        return orgs.iter().find(|o| o.routes_domain(&domain)).map_or(OrgChoice::UnknownDomain, OrgChoice::Org);
    }
    match orgs {
        [only] => OrgChoice::Org(only),
        _ => OrgChoice::AskForEmail,
    }
}

/// The lower-cased domain of a plausible email address.
pub fn email_domain(email: &str) -> Option<String> {
    if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return None;
    }
    Some(domain.to_ascii_lowercase())
}

/// The random values of one login attempt.
pub struct LoginSecrets {
    /// `state` parameter.
    pub state: String,
    /// `nonce` parameter.
    pub nonce: Nonce,
    /// PKCE code verifier (kept in the login-state cookie, never sent in the URL).
    pub code_verifier: PkceVerifier,
}

impl LoginSecrets {
    /// Derives the values from 64 random bytes.
    pub fn from_random(random: &[u8; 64]) -> Self {
        Self {
            state: URL_SAFE_NO_PAD.encode(&random[..16]),
            nonce: Nonce(URL_SAFE_NO_PAD.encode(&random[16..32])),
            code_verifier: PkceVerifier(URL_SAFE_NO_PAD.encode(&random[32..64])),
        }
    }
}

/// A login's `nonce`: sent once, checked once against the ID token. Not `Clone`, no
/// `PartialEq` (see [`Nonce::matches`]), redacted in `Debug`.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nonce(String);

impl Nonce {
    /// Wraps a nonce value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the authorization request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with the ID token's `nonce`.
    pub fn matches(&self, candidate: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), candidate.as_bytes())
    }
}

/// A login's PKCE code verifier: used once, at the code exchange. Not `Clone`, no
/// `PartialEq`, redacted in `Debug`.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// Wraps a verifier value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the token request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `code_challenge` for S256.
    pub fn challenge(&self) -> String {
        pkce_challenge(&self.0)
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce([redacted])")
    }
}

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// RFC 7636 S256: `BASE64URL(SHA256(verifier))`.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()))
}

/// The URL the browser is sent to at the IdP: openidconnect's authorization request
/// (code flow, PKCE S256) carrying this attempt's own `state`, `nonce` and verifier.
pub fn authorization_url(
    authorization_endpoint: &str,
    org: &OrgConfig,
    redirect_uri: &str,
    secrets: &LoginSecrets,
    login_hint: Option<&str>,
) -> Result<String, url::ParseError> {
    use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
    use openidconnect::{
        AuthUrl, ClientId, CsrfToken, IssuerUrl, JsonWebKeySet, LoginHint, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    };

    // The client only builds the URL: no keys (signatures are verified by `jose`), and
    // the issuer is not read here.
    let client = CoreClient::new(ClientId::new(org.client_id.clone()), IssuerUrl::new(org.issuer.clone())?, JsonWebKeySet::new(Vec::new()))
        .set_auth_uri(AuthUrl::new(authorization_endpoint.to_owned())?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned())?);
    let (state, nonce) = (secrets.state.clone(), secrets.nonce.expose().to_owned());
    let verifier = PkceCodeVerifier::new(secrets.code_verifier.expose().to_owned());
    let mut request = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, move || CsrfToken::new(state), move || openidconnect::Nonce::new(nonce))
        // openidconnect asks for `openid` itself, first.
        .add_scopes(org.scopes.iter().filter(|s| *s != "openid").map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
    if let Some(hint) = login_hint {
        request = request.set_login_hint(LoginHint::new(hint.to_owned()));
    }
    let (url, _, _) = request.url();
    Ok(url.into())
}

#[cfg(test)]
mod tests;
