//! Express configuration: the admin API's rules for onboarding an org with one call
//! (interface, section 6) — body parsing, conflicts, and the values to paste into Okta.

use serde::Serialize;

use crate::config::{ConfigError, OrgConfig, RawOrg};
use crate::secret::Secret;

/// Largest admin request body, in bytes.
pub const MAX_ADMIN_BODY_BYTES: usize = 64 * 1024;
/// Shortest `SSO_ADMIN_TOKEN` that enables the admin API, in bytes.
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;

/// Whether the admin API is on, from `SSO_ADMIN_TOKEN`.
#[derive(Debug, Clone)]
pub enum AdminApi {
    /// No token set: the API does not exist (`404`).
    Disabled,
    /// A token is set but shorter than [`MIN_ADMIN_TOKEN_BYTES`]: the API stays off
    /// (`404`) and every admin request logs why.
    TokenTooShort,
    /// On, guarded by this token.
    Enabled(Secret),
}

impl AdminApi {
    /// Reads `SSO_ADMIN_TOKEN` (an empty value counts as unset).
    pub fn from_token(token: Option<String>) -> Self {
        match token.filter(|t| !t.is_empty()) {
            None => Self::Disabled,
            Some(t) if t.len() < MIN_ADMIN_TOKEN_BYTES => Self::TokenTooShort,
            Some(t) => Self::Enabled(Secret::new(t)),
        }
    }
}

/// Whether an `Authorization` header value carries `token` as a bearer token: the
/// scheme is matched case-insensitively (RFC 9110 §11.1), the token in constant time.
pub fn is_authorized(token: &Secret, authorization: Option<&str>) -> bool {
    let Some((scheme, presented)) = authorization.map(str::trim).and_then(|v| v.split_once(' ')) else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && token.ct_eq(presented.trim())
}

/// Why an admin request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The body is not a valid org (→ 400).
    #[error("{0}")]
    Invalid(String),
    /// The id or a domain is taken (→ 409).
    #[error("{0}")]
    Conflict(String),
    /// The issuer or the client credentials did not check out (→ 422).
    #[error("{0}")]
    Unverifiable(String),
}

impl AdminError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::Conflict(_) => 409,
            Self::Unverifiable(_) => 422,
        }
    }
}

impl From<ConfigError> for AdminError {
    fn from(e: ConfigError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// Parses a `PUT /_sso/admin/orgs/{id}` body: one org with its secret inline; the id
/// may be left out of the body, and must equal `path_id` when given.
pub fn parse_org_body(path_id: &str, body: &[u8]) -> Result<(RawOrg, OrgConfig), AdminError> {
    if body.len() > MAX_ADMIN_BODY_BYTES {
        return Err(AdminError::Invalid("body too large".into()));
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| AdminError::Invalid(format!("body is not JSON ({e})")))?;
    let object = value.as_object_mut().ok_or_else(|| AdminError::Invalid("body must be a JSON object".into()))?;
    match object.get("id") {
        None => {
            object.insert("id".into(), path_id.into());
        }
        Some(serde_json::Value::String(id)) if id == path_id => {}
        Some(_) => return Err(AdminError::Invalid("id: must equal the id in the URL".into())),
    }
    if object.contains_key("client_secret_var") {
        return Err(AdminError::Invalid("client_secret_var: stored orgs take client_secret inline".into()));
    }
    let raw: RawOrg = serde_path_to_error::deserialize(value).map_err(|e| AdminError::Invalid(format!("{}: {}", e.path(), e.inner())))?;
    let org = raw.clone().validate("org", &|_| None)?;
    // An org's IdP vouches only for its own domains: an org added here must name them.
    if org.domains.is_empty() {
        return Err(AdminError::Invalid("org.domains: list at least one email domain".into()));
    }
    Ok((raw, org))
}

/// Refuses an org whose id or domains another org already has.
pub fn check_conflicts(new: &OrgConfig, others: &[OrgConfig]) -> Result<(), AdminError> {
    for other in others.iter().filter(|o| o.id != new.id) {
        if let Some(d) = new.domains.iter().find(|d| other.domains.contains(d)) {
            return Err(AdminError::Conflict(format!("domain {d:?} is claimed by org {:?}", other.id)));
        }
    }
    Ok(())
}

/// The values an Okta admin pastes into the app integration.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OnboardingUris {
    /// Org id.
    pub org: String,
    /// Sign-in redirect URI.
    pub redirect_uri: String,
    /// Sign-out redirect URI.
    pub post_logout_redirect_uri: String,
    /// Back-channel logout URI.
    pub backchannel_logout_uri: String,
    /// Universal Logout (global token revocation) endpoint.
    pub global_token_revocation_uri: String,
    /// Initiate login URI.
    pub initiate_login_uri: String,
}

impl OnboardingUris {
    /// The URIs of org `org` for a worker at `base_url`.
    pub fn new(org: &str, base_url: &str) -> Self {
        Self {
            org: org.to_owned(),
            redirect_uri: format!("{base_url}/_sso/callback"),
            post_logout_redirect_uri: format!("{base_url}/_sso/logged-out"),
            backchannel_logout_uri: format!("{base_url}/_sso/backchannel-logout"),
            global_token_revocation_uri: format!("{base_url}/_sso/global-token-revocation"),
            initiate_login_uri: format!("{base_url}/_sso/login?org={org}"),
        }
    }
}

/// An org as `GET /_sso/admin/orgs` shows it: everything but the secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrgSummary {
    /// Org id.
    pub id: String,
    /// `static` (the SSO variable) or `stored` (this API).
    pub source: &'static str,
    /// Issuer.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Email domains.
    pub domains: Vec<String>,
    /// Default projects.
    pub default_projects: Vec<String>,
    /// Scopes.
    pub scopes: Vec<String>,
}

impl OrgSummary {
    /// Summary of `org`.
    pub fn new(org: &OrgConfig, source: &'static str) -> Self {
        Self {
            id: org.id.clone(),
            source,
            issuer: org.issuer.clone(),
            client_id: org.client_id.clone(),
            domains: org.domains.clone(),
            default_projects: org.default_projects.clone(),
            scopes: org.scopes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"issuer":"https://initech.okta.com","client_id":"c","client_secret":"s","domains":["initech.com"]}"#;

    #[test]
    fn short_admin_token_leaves_the_api_off() {
        assert!(matches!(AdminApi::from_token(None), AdminApi::Disabled));
        assert!(matches!(AdminApi::from_token(Some(String::new())), AdminApi::Disabled));
        assert!(matches!(AdminApi::from_token(Some("x".repeat(31))), AdminApi::TokenTooShort));
        assert!(matches!(AdminApi::from_token(Some("x".repeat(32))), AdminApi::Enabled(_)));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let token = Secret::new("t".repeat(32));
        let t = "t".repeat(32);
        for ok in [format!("Bearer {t}"), format!("bearer {t}"), format!("BEARER {t}"), format!("  bEaReR   {t} ")] {
            assert!(is_authorized(&token, Some(&ok)), "{ok}");
        }
        for bad in [format!("Basic {t}"), format!("Bearer{t}"), format!("Bearer {t}x"), t.clone(), "Bearer ".into(), String::new()] {
            assert!(!is_authorized(&token, Some(&bad)), "{bad}");
        }
        assert!(!is_authorized(&token, None));
    }

    #[test]
    fn id_comes_from_the_path() {
        let (raw, org) = parse_org_body("initech", BODY.as_bytes()).unwrap();
        assert_eq!((raw.id.as_str(), org.id.as_str()), ("initech", "initech"));
    }

    #[test]
    fn different_id_in_body_is_refused() {
        let body = BODY.replace("{", r#"{"id":"other","#);
        assert_eq!(parse_org_body("initech", body.as_bytes()).unwrap_err().status(), 400);
    }

    #[test]
    fn invalid_org_is_a_bad_request_with_the_field() {
        let err = parse_org_body("initech", BODY.replace("https://initech.okta.com", "nope").as_bytes()).unwrap_err();
        assert_eq!(err, AdminError::Invalid("org.issuer: not an absolute URL".into()));
        assert_eq!(parse_org_body("Bad Id", BODY.as_bytes()).unwrap_err().status(), 400);
        assert_eq!(parse_org_body("initech", b"[]").unwrap_err().status(), 400);
    }

    #[test]
    fn stored_orgs_must_list_a_domain() {
        for body in [BODY.replace(r#","domains":["initech.com"]"#, ""), BODY.replace(r#""initech.com""#, "")] {
            let err = parse_org_body("initech", body.as_bytes()).unwrap_err();
            assert_eq!(err, AdminError::Invalid("org.domains: list at least one email domain".into()), "{body}");
        }
    }

    #[test]
    fn secret_must_be_inline() {
        let body = BODY.replace(r#""client_secret":"s""#, r#""client_secret_var":"X""#);
        assert_eq!(parse_org_body("initech", body.as_bytes()).unwrap_err().status(), 400);
    }

    #[test]
    fn claimed_domain_is_a_conflict() {
        let (_, new) = parse_org_body("initech", BODY.as_bytes()).unwrap();
        let (_, other) = parse_org_body("other", BODY.as_bytes()).unwrap();
        assert_eq!(check_conflicts(&new, &[other]).unwrap_err().status(), 409);
        let (_, same) = parse_org_body("initech", BODY.as_bytes()).unwrap();
        assert!(check_conflicts(&new, &[same]).is_ok(), "replacing itself is fine");
    }

    #[test]
    fn onboarding_uris_are_under_sso() {
        let uris = OnboardingUris::new("initech", "https://app.test");
        assert_eq!(uris.global_token_revocation_uri, "https://app.test/_sso/global-token-revocation");
        assert_eq!(uris.initiate_login_uri, "https://app.test/_sso/login?org=initech");
    }
}
