//! Everything the worker reads from its environment, parsed once per isolate: the
//! configuration (`SSO`), the keys derived from `SSO_SESSION_SECRET`, the admin token;
//! and the orgs in effect once those stored through the admin API are added.

use crate::admin::AdminApi;
use crate::config::{self, Config, ConfigError, OrgConfig, RawOrg};
use crate::keys::DerivedKeys;
use crate::sso_state::OrgClaims;

/// The parsed environment.
pub struct Settings {
    /// The `SSO` configuration.
    pub config: Config,
    /// Keys derived from `SSO_SESSION_SECRET`.
    pub keys: DerivedKeys,
    /// `SSO_ADMIN_TOKEN`: the admin API exists only with one of at least 32 bytes.
    pub admin: AdminApi,
}

impl Settings {
    /// Parses the settings; `var` reads a Worker variable or secret by name.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let sso = var("SSO").ok_or_else(|| ConfigError { path: "SSO".into(), problem: "is not set".into() })?;
        let config = Config::parse(&sso, var)?;
        let session_secret = config::session_secret(var("SSO_SESSION_SECRET"))?;
        let previous = config::previous_session_secret(var("SSO_SESSION_SECRET_PREVIOUS"))?;
        let admin = AdminApi::from_token(var("SSO_ADMIN_TOKEN"));
        Ok(Self { config, keys: DerivedKeys::derive(&session_secret).with_previous(previous.as_ref()), admin })
    }

    /// Whether orgs can be stored at runtime: an admin token is set (one too short to
    /// enable the API itself still keeps its orgs serving logins) or the console exists.
    pub fn stores_orgs(&self) -> bool {
        !matches!(self.admin, AdminApi::Disabled) || self.config.admin.is_some()
    }

    /// Every org: static ones first, then `stored` ones (see [`merge_orgs`]). Stored orgs
    /// count only while the admin API or the console is enabled.
    pub fn orgs_with(&self, stored: Vec<RawOrg>, claims: &[OrgClaims]) -> Vec<OrgConfig> {
        if !self.stores_orgs() {
            return self.config.orgs.clone();
        }
        merge_orgs(&self.config.orgs, stored, claims)
    }
}

/// The static orgs, then the `stored` ones (never shadowing a static id; invalid ones
/// skipped), each stored org's unverified domains marked by `claims`.
pub fn merge_orgs(static_orgs: &[OrgConfig], stored: Vec<RawOrg>, claims: &[OrgClaims]) -> Vec<OrgConfig> {
    let mut orgs = static_orgs.to_vec();
    for raw in stored {
        if orgs.iter().any(|o| o.id == raw.id) {
            continue;
        }
        if let Ok(mut org) = raw.validate("stored org", &|_| None) {
            if let Some(c) = claims.iter().find(|c| c.org == org.id) {
                org.unverified_domains = org
                    .domains
                    .iter()
                    .filter(|d| !c.challenges.iter().any(|ch| &ch.domain == *d && ch.verified_at.is_some()))
                    .cloned()
                    .collect();
            }
            orgs.push(org);
        }
    }
    orgs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSO: &str = r#"{"orgs":[{"id":"acme","issuer":"https://acme.test","client_id":"c","client_secret":"s"}]}"#;

    fn env(admin: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
        move |name| match name {
            "SSO" => Some(SSO.to_owned()),
            "SSO_SESSION_SECRET" => Some("x".repeat(32)),
            "SSO_ADMIN_TOKEN" => admin.map(str::to_owned),
            _ => None,
        }
    }

    fn stored(id: &str) -> RawOrg {
        let json = serde_json::json!({"id": id, "issuer": "https://other.test", "client_id": "c", "client_secret": "s"});
        serde_json::from_value(json).expect("org")
    }

    #[test]
    fn missing_sso_or_short_secret_is_a_config_error_naming_the_variable() {
        let err = Settings::from_env(&|_| None).err().expect("error");
        assert_eq!(err.path, "SSO");
        let short = |name: &str| (name == "SSO").then(|| SSO.to_owned()).or_else(|| (name == "SSO_SESSION_SECRET").then(|| "short".into()));
        assert!(Settings::from_env(&short).is_err());
    }

    #[test]
    fn stored_orgs_count_only_with_the_admin_api_and_never_shadow_static_ones() {
        let without = Settings::from_env(&env(None)).expect("settings");
        assert_eq!(without.orgs_with(vec![stored("initech")], &[]).len(), 1);
        let with = Settings::from_env(&env(Some("t"))).expect("settings");
        assert!(matches!(with.admin, AdminApi::TokenTooShort), "a short token keeps stored orgs but not the API");
        let ids: Vec<String> =
            with.orgs_with(vec![stored("acme"), stored("initech"), stored("Bad Id")], &[]).into_iter().map(|o| o.id).collect();
        assert_eq!(ids, ["acme", "initech"]);
        assert_eq!(with.orgs_with(vec![stored("acme")], &[])[0].issuer, "https://acme.test", "the static acme wins");
    }

    #[test]
    fn an_unverified_domain_of_a_stored_org_routes_no_login() {
        let with = Settings::from_env(&env(Some("t"))).expect("settings");
        let mut org = stored("initech");
        org.domains = vec!["initech.test".into(), "initrode.test".into()];
        let mut verified = crate::setup::DomainChallenge::new("initech.test", &[1; 16]);
        verified.verified_at = Some(1);
        let claims = [OrgClaims {
            org: "initech".into(),
            challenges: vec![verified, crate::setup::DomainChallenge::new("initrode.test", &[2; 16])],
        }];
        let orgs = with.orgs_with(vec![org], &claims);
        let initech = orgs.iter().find(|o| o.id == "initech").expect("stored");
        assert!(initech.routes_domain("initech.test") && !initech.routes_domain("initrode.test"));
        assert_eq!(initech.domains.len(), 2, "both still bound the emails the IdP may assert");
    }
}
