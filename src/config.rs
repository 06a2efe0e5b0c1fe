//! The `SSO` variable: parsed once into a typed [`Config`], with errors that name the
//! exact field (`orgs[1].issuer: not an absolute URL`).

use std::collections::HashSet;

use serde::Deserialize;
use url::Url;

use crate::jose::SigningAlgorithm;
use crate::secret::{Secret, StoredSecret};
use crate::session::address::Jurisdiction;

pub mod branding;
pub mod production;

pub use branding::Branding;

/// Largest `SSO` value accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;
/// Most organizations one configuration may hold.
pub const MAX_ORGS: usize = 500;
/// Shortest accepted `SSO_SESSION_SECRET`, in bytes.
pub const MIN_SESSION_SECRET_BYTES: usize = 32;

/// A configuration error: the field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ConfigError {
    /// Where: `orgs[1].issuer`, `SSO`, `SSO_SESSION_SECRET`…
    pub path: String,
    /// What: `not an absolute URL`.
    pub problem: String,
}

impl ConfigError {
    fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { path: path.into(), problem: problem.into() }
    }
}

/// The validated configuration of the worker.
#[derive(Debug, Clone)]
pub struct Config {
    /// External URL of the worker (`scheme://host[:port]`, no trailing slash); `None`:
    /// taken from each request.
    pub base_url: Option<String>,
    /// Where authenticated requests go (`scheme://host[:port]`); `None`: the request's own URL.
    pub origin: Option<String>,
    /// Path prefixes served without a session.
    pub public_paths: Vec<String>,
    /// Session lifetimes.
    pub session: SessionPolicy,
    /// Just-in-time provisioning at the origin, when configured.
    pub provisioning: Option<ProvisioningConfig>,
    /// The organizations of the static configuration.
    pub orgs: Vec<OrgConfig>,
    /// What the pages show about the product (`Default`: unbranded).
    pub branding: Branding,
    /// Who may use the operator's console (`None`: the console does not exist).
    pub admin: Option<AdminConfig>,
    /// DNS-over-HTTPS resolver (JSON API) for domain verification.
    pub dns_resolver_url: String,
}

/// The operator's own staff: members of one org, by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// The org they sign in through.
    pub org: String,
    /// Lower-cased email addresses allowed into the console.
    pub emails: Vec<String>,
}

/// The default DNS-over-HTTPS resolver.
pub const DEFAULT_DNS_RESOLVER: &str = "https://cloudflare-dns.com/dns-query";

/// Session lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionPolicy {
    /// A session unused this long ends (sliding).
    pub idle_timeout_secs: u64,
    /// A session ends this long after login, used or not.
    pub absolute_timeout_secs: u64,
    /// `0`: every request asks the session store. `N`: a session checked in the last N
    /// seconds may be trusted without asking again (logout then takes up to N seconds).
    pub revalidate_secs: u64,
    /// Most live sessions one user may have; a login beyond it ends the least recently
    /// used one.
    pub max_per_user: u32,
}

/// Upper bound of `session.max_per_user`.
pub const MAX_SESSIONS_PER_USER: u32 = 1000;

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_timeout_secs: 28_800, absolute_timeout_secs: 86_400, revalidate_secs: 0, max_per_user: 50 }
    }
}

/// Where and how to call the origin's provisioning endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningConfig {
    /// `POST` target.
    pub url: String,
    /// Bound on each try, in milliseconds.
    pub timeout_ms: u64,
}

/// How the worker authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the client id and secret (the default).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// One customer organization and its identity provider.
#[derive(Debug, Clone)]
pub struct OrgConfig {
    /// `[a-z0-9-]{1,63}`.
    pub id: String,
    /// The OpenID issuer, exactly as configured (compared byte for byte).
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret (inline, or resolved from the named Worker secret).
    pub client_secret: Secret,
    /// Client authentication at the token endpoint.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Scopes requested; always starts with `openid`.
    pub scopes: Vec<String>,
    /// Lower-cased email domains routed to this org.
    pub domains: Vec<String>,
    /// Projects sent in provisioning calls.
    pub default_projects: Vec<String>,
    /// Signature algorithms accepted on ID and logout tokens.
    pub signing_algs: Vec<SigningAlgorithm>,
    /// Expected `iss` of Okta Universal Logout requests.
    pub universal_logout_issuer: String,
    /// Keys for Universal Logout requests; `None`: the discovered `jwks_uri`.
    pub universal_logout_jwks_uri: Option<String>,
    /// Domains of `domains` whose ownership is not verified yet: they route no login
    /// (always empty for the static configuration and the admin API).
    pub unverified_domains: Vec<String>,
    /// Where every object of the org lives (its users' sessions, its directory, its
    /// login states); `None`: wherever Cloudflare places them.
    pub jurisdiction: Option<Jurisdiction>,
}

impl OrgConfig {
    /// Whether logins by email in `domain` go to this org.
    pub fn routes_domain(&self, domain: &str) -> bool {
        self.domains.iter().any(|d| d == domain) && !self.unverified_domains.iter().any(|d| d == domain)
    }
}

impl Config {
    /// Parses the `SSO` variable (a JSON object, or a JSON string holding one).
    /// `secret` looks up Worker secrets named by `client_secret_var`.
    pub fn parse(sso: &str, secret: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        if sso.len() > MAX_CONFIG_BYTES {
            return Err(ConfigError::new("SSO", format!("larger than {MAX_CONFIG_BYTES} bytes")));
        }
        let mut value: serde_json::Value =
            serde_json::from_str(sso).map_err(|e| ConfigError::new("SSO", format!("not valid JSON ({e})")))?;
        if let serde_json::Value::String(inner) = &value {
            value = serde_json::from_str(inner).map_err(|e| ConfigError::new("SSO", format!("not valid JSON ({e})")))?;
        }
        if value.is_null() {
            return Err(ConfigError::new("SSO", "is not set"));
        }
        let raw: RawConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            // `.` is the root; so is the empty path of an unknown member named `""` there.
            let path = if path == "." || path.is_empty() { "SSO".to_owned() } else { path };
            ConfigError::new(path, e.into_inner().to_string())
        })?;
        raw.validate(secret)
    }

    /// The org with this id.
    pub fn org(&self, id: &str) -> Option<&OrgConfig> {
        self.orgs.iter().find(|o| o.id == id)
    }
}

/// Checks `SSO_SESSION_SECRET`.
pub fn session_secret(value: Option<String>) -> Result<Secret, ConfigError> {
    match value {
        None => Err(ConfigError::new("SSO_SESSION_SECRET", "is not set")),
        Some(v) if v.len() < MIN_SESSION_SECRET_BYTES => {
            Err(ConfigError::new("SSO_SESSION_SECRET", format!("must be at least {MIN_SESSION_SECRET_BYTES} bytes")))
        }
        Some(v) => Ok(Secret::new(v)),
    }
}

/// `SSO_SESSION_SECRET_PREVIOUS` (optional): the secret being rotated out, still
/// accepted for cookies made with it. Held to the same 32-byte minimum; empty is unset.
pub fn previous_session_secret(value: Option<String>) -> Result<Option<Secret>, ConfigError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.len() < MIN_SESSION_SECRET_BYTES => {
            Err(ConfigError::new("SSO_SESSION_SECRET_PREVIOUS", format!("must be at least {MIN_SESSION_SECRET_BYTES} bytes")))
        }
        Some(v) => Ok(Some(Secret::new(v))),
    }
}

/// One org as written in JSON (the `SSO` variable or an admin API body).
#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawOrg {
    /// See [`OrgConfig::id`].
    pub id: String,
    /// See [`OrgConfig::issuer`].
    pub issuer: String,
    /// See [`OrgConfig::client_id`].
    pub client_id: String,
    /// Inline client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<StoredSecret>,
    /// Name of the Worker secret holding the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_var: Option<String>,
    /// See [`OrgConfig::token_endpoint_auth_method`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    /// See [`OrgConfig::scopes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// See [`OrgConfig::domains`].
    #[serde(default)]
    pub domains: Vec<String>,
    /// See [`OrgConfig::default_projects`].
    #[serde(default)]
    pub default_projects: Vec<String>,
    /// See [`OrgConfig::signing_algs`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_algs: Option<Vec<String>>,
    /// Universal Logout overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universal_logout: Option<RawUniversalLogout>,
    /// See [`OrgConfig::jurisdiction`] (`eu`, `fedramp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

/// `orgs[].universal_logout` as written.
#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawUniversalLogout {
    /// Expected `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Keys to verify with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    public_paths: Vec<String>,
    #[serde(default)]
    session: SessionPolicy,
    #[serde(default)]
    provisioning: Option<RawProvisioning>,
    #[serde(default)]
    orgs: Vec<RawOrg>,
    #[serde(default)]
    branding: Option<branding::RawBranding>,
    #[serde(default)]
    admin: Option<RawAdmin>,
    #[serde(default)]
    dns: Option<RawDns>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    org: String,
    emails: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    resolver_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvisioning {
    url: String,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    5000
}

impl RawConfig {
    fn validate(self, secret: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let base_url = self.base_url.map(|u| site_url(&u, "base_url")).transpose()?;
        let origin = self.origin.map(|u| site_url(&u, "origin")).transpose()?;
        if self.public_paths.len() > 100 {
            return Err(ConfigError::new("public_paths", "more than 100 entries"));
        }
        for (i, p) in self.public_paths.iter().enumerate() {
            if !p.starts_with('/') || p.len() > 512 {
                return Err(ConfigError::new(format!("public_paths[{i}]"), "must be a path starting with /"));
            }
            if p.starts_with("/_sso") {
                return Err(ConfigError::new(format!("public_paths[{i}]"), "/_sso/ belongs to edge-sso"));
            }
        }
        let s = self.session;
        if s.idle_timeout_secs == 0 || s.absolute_timeout_secs == 0 {
            return Err(ConfigError::new("session", "timeouts must be greater than 0"));
        }
        if s.revalidate_secs > 3600 {
            return Err(ConfigError::new("session.revalidate_secs", "must be at most 3600"));
        }
        if !(1..=MAX_SESSIONS_PER_USER).contains(&s.max_per_user) {
            return Err(ConfigError::new("session.max_per_user", "must be between 1 and 1000"));
        }
        let provisioning = match self.provisioning {
            None => None,
            Some(p) => {
                let url = http_url(&p.url, "provisioning.url")?.to_string();
                if !(1..=60_000).contains(&p.timeout_ms) {
                    return Err(ConfigError::new("provisioning.timeout_ms", "must be between 1 and 60000"));
                }
                Some(ProvisioningConfig { url, timeout_ms: p.timeout_ms })
            }
        };
        if self.orgs.len() > MAX_ORGS {
            return Err(ConfigError::new("orgs", format!("more than {MAX_ORGS} orgs")));
        }
        let mut orgs = Vec::with_capacity(self.orgs.len());
        for (i, raw) in self.orgs.into_iter().enumerate() {
            orgs.push(raw.validate(&format!("orgs[{i}]"), secret)?);
        }
        check_unique(&orgs, "orgs")?;
        let branding = self.branding.map(branding::RawBranding::validate).transpose()?.unwrap_or_default();
        let admin = self.admin.map(RawAdmin::validate).transpose()?;
        let dns_resolver_url = match self.dns {
            Some(dns) => http_url(&dns.resolver_url, "dns.resolver_url")?.to_string(),
            None => DEFAULT_DNS_RESOLVER.to_owned(),
        };
        Ok(Config { base_url, origin, public_paths: self.public_paths, session: s, provisioning, orgs, branding, admin, dns_resolver_url })
    }
}

impl RawAdmin {
    fn validate(self) -> Result<AdminConfig, ConfigError> {
        if !is_org_id(&self.org) {
            return Err(ConfigError::new("admin.org", "must match [a-z0-9-]{1,63}"));
        }
        if self.emails.is_empty() || self.emails.len() > 100 {
            return Err(ConfigError::new("admin.emails", "must list 1 to 100 addresses"));
        }
        let mut emails = Vec::with_capacity(self.emails.len());
        for (i, e) in self.emails.iter().enumerate() {
            let e = e.trim().to_ascii_lowercase();
            match e.rsplit_once('@') {
                Some((local, domain)) if !local.is_empty() && is_domain(domain) && e.len() <= 254 => emails.push(e),
                _ => return Err(ConfigError::new(format!("admin.emails[{i}]"), "not an email address")),
            }
        }
        Ok(AdminConfig { org: self.org, emails })
    }
}

/// Checks that ids and domains are unique across `orgs`; `path` prefixes the error.
pub fn check_unique(orgs: &[OrgConfig], path: &str) -> Result<(), ConfigError> {
    let mut ids = HashSet::new();
    let mut domains = HashSet::new();
    for (i, org) in orgs.iter().enumerate() {
        if !ids.insert(org.id.as_str()) {
            return Err(ConfigError::new(format!("{path}[{i}].id"), format!("duplicate org id {:?}", org.id)));
        }
        for d in &org.domains {
            if !domains.insert(d.as_str()) {
                return Err(ConfigError::new(format!("{path}[{i}].domains"), format!("domain {d:?} is claimed by another org")));
            }
        }
    }
    Ok(())
}

impl RawOrg {
    /// Validates one org; `at` is its path (`orgs[2]`) for error messages.
    pub fn validate(self, at: &str, secret: &dyn Fn(&str) -> Option<String>) -> Result<OrgConfig, ConfigError> {
        let field = |name: &str| format!("{at}.{name}");
        if !is_org_id(&self.id) {
            return Err(ConfigError::new(field("id"), "must match [a-z0-9-]{1,63}"));
        }
        http_url(&self.issuer, &field("issuer"))?;
        if self.client_id.is_empty() || self.client_id.len() > 255 {
            return Err(ConfigError::new(field("client_id"), "must be 1 to 255 characters"));
        }
        let client_secret = match (self.client_secret, self.client_secret_var) {
            (Some(_), Some(_)) => return Err(ConfigError::new(field("client_secret"), "set client_secret or client_secret_var, not both")),
            (None, None) => return Err(ConfigError::new(field("client_secret"), "missing (or client_secret_var)")),
            (Some(s), None) if s.expose().is_empty() => return Err(ConfigError::new(field("client_secret"), "is empty")),
            (Some(s), None) => s.into(),
            (None, Some(var)) => match secret(&var) {
                Some(s) if !s.is_empty() => Secret::new(s),
                _ => return Err(ConfigError::new(field("client_secret_var"), format!("the Worker secret {var:?} is not set"))),
            },
        };
        let mut scopes = vec!["openid".to_owned()];
        for (i, s) in self.scopes.unwrap_or_else(|| vec!["email".into(), "profile".into()]).into_iter().enumerate() {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
                return Err(ConfigError::new(format!("{at}.scopes[{i}]"), "not a valid scope"));
            }
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
        let mut domains = Vec::with_capacity(self.domains.len());
        for (i, d) in self.domains.iter().enumerate() {
            let d = d.trim().to_ascii_lowercase();
            if !is_domain(&d) {
                return Err(ConfigError::new(format!("{at}.domains[{i}]"), "not a domain name"));
            }
            domains.push(d);
        }
        for (i, p) in self.default_projects.iter().enumerate() {
            if p.is_empty() || p.len() > 200 {
                return Err(ConfigError::new(format!("{at}.default_projects[{i}]"), "must be 1 to 200 characters"));
            }
        }
        let signing_algs = match self.signing_algs {
            None => SigningAlgorithm::DEFAULT_ALLOWED.to_vec(),
            Some(names) if names.is_empty() => return Err(ConfigError::new(field("signing_algs"), "must not be empty")),
            Some(names) => names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    n.parse::<SigningAlgorithm>()
                        .map_err(|_| ConfigError::new(format!("{at}.signing_algs[{i}]"), format!("unsupported algorithm {n:?}")))
                })
                .collect::<Result<_, _>>()?,
        };
        let ul = self.universal_logout.unwrap_or(RawUniversalLogout { issuer: None, jwks_uri: None });
        if let Some(iss) = &ul.issuer {
            http_url(iss, &field("universal_logout.issuer"))?;
        }
        if let Some(uri) = &ul.jwks_uri {
            http_url(uri, &field("universal_logout.jwks_uri"))?;
        }
        let jurisdiction = match self.jurisdiction.as_deref() {
            None => None,
            Some(name) => Some(Jurisdiction::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Jurisdiction::ALL.iter().map(|j| j.as_str()).collect();
                ConfigError::new(field("jurisdiction"), format!("unknown jurisdiction (one of: {})", known.join(", ")))
            })?),
        };
        Ok(OrgConfig {
            jurisdiction,
            universal_logout_issuer: ul.issuer.unwrap_or_else(|| self.issuer.clone()),
            universal_logout_jwks_uri: ul.jwks_uri,
            id: self.id,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret,
            token_endpoint_auth_method: self.token_endpoint_auth_method.unwrap_or(TokenEndpointAuthMethod::ClientSecretBasic),
            scopes,
            domains,
            default_projects: self.default_projects,
            signing_algs,
            unverified_domains: Vec::new(),
        })
    }
}

/// `[a-z0-9-]{1,63}`.
pub fn is_org_id(id: &str) -> bool {
    (1..=63).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A DNS name of at least two labels (lower-case it first).
pub fn is_domain(d: &str) -> bool {
    (1..=253).contains(&d.len())
        && d.split('.').count() >= 2
        && d.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// An absolute `https` URL, or `http` on a loopback host.
pub fn http_url(value: &str, path: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|_| match value.is_ascii() {
        true => ConfigError::new(path, "not an absolute URL"),
        // Unicode host names are not converted (see `idna_adapter` in Cargo.toml).
        false => ConfigError::new(path, "not an absolute URL with an ASCII host: write an internationalized domain as punycode (xn--…)"),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(ConfigError::new(path, "must use https (http only on localhost)")),
        _ => return Err(ConfigError::new(path, "not an http(s) URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::new(path, "not an absolute URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(path, "must not contain credentials"));
    }
    if url.fragment().is_some() {
        return Err(ConfigError::new(path, "must not contain a fragment"));
    }
    Ok(url)
}

/// `scheme://host[:port]` of an http(s) URL that has no path beyond `/`.
fn site_url(value: &str, path: &str) -> Result<String, ConfigError> {
    let url = http_url(value, path)?;
    if url.path() != "/" || url.query().is_some() {
        return Err(ConfigError::new(path, "must be scheme://host[:port] without a path or query"));
    }
    Ok(url.origin().ascii_serialization())
}

fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

#[cfg(test)]
mod tests;
