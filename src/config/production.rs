//! What a configuration must also pass to be deployed, beyond what the worker itself
//! accepts: no template placeholder left, no development address (loopback hosts,
//! reserved test domains). Used by `make check-config` and `make deploy` before anything
//! is uploaded; the worker never runs these checks (development configs are valid).

use url::Url;

use super::{Config, ConfigError};

/// The problems (which refuse a deployment) and warnings of a configuration meant for
/// production.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProductionReport {
    /// Each refuses the deployment.
    pub problems: Vec<ConfigError>,
    /// Worth a look, deployable.
    pub warnings: Vec<ConfigError>,
}

/// Template placeholders (`<…>`) left anywhere in the `SSO` text (a JSON object, or a
/// JSON string holding one), each with its field path. Run before [`Config::parse`], whose
/// error for a placeholder would be less direct (`base_url: not an absolute URL`).
pub fn placeholders(sso: &str) -> Vec<ConfigError> {
    let mut value: serde_json::Value = match serde_json::from_str(sso) {
        Ok(v) => v,
        Err(_) => return vec![],
    };
    if let serde_json::Value::String(inner) = &value {
        value = serde_json::from_str(inner).unwrap_or(serde_json::Value::Null);
    }
    let mut found = vec![];
    walk(&value, "", &mut found);
    found
}

fn walk(value: &serde_json::Value, path: &str, found: &mut Vec<ConfigError>) {
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        serde_json::Value::String(s) if is_placeholder(s) => {
            let path = if path.is_empty() { "SSO" } else { path };
            found.push(ConfigError::new(path, format!("the placeholder {s:?} is still there: replace it")));
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), found);
            }
        }
        serde_json::Value::Object(members) => {
            for (key, member) in members {
                walk(member, &at(key), found);
            }
        }
        _ => {}
    }
}

/// `<…>` somewhere in the text, as the templates write placeholders.
pub fn is_placeholder(text: &str) -> bool {
    text.find('<').is_some_and(|open| text[open..].contains('>'))
}

/// Development addresses and other values that cannot work, or should not be used, in
/// production.
pub fn check(config: &Config) -> ProductionReport {
    let mut report = ProductionReport::default();
    let mut url = |path: String, value: Option<&str>| {
        if let Some(problem) = value.and_then(development_address) {
            report.problems.push(ConfigError::new(path, problem));
        }
    };
    url("base_url".into(), config.base_url.as_deref());
    url("origin".into(), config.origin.as_deref());
    url("provisioning.url".into(), config.provisioning.as_ref().map(|p| p.url.as_str()));
    url("dns.resolver_url".into(), Some(&config.dns_resolver_url));
    for (i, org) in config.orgs.iter().enumerate() {
        url(format!("orgs[{i}].issuer"), Some(&org.issuer));
        if org.universal_logout_issuer != org.issuer {
            url(format!("orgs[{i}].universal_logout.issuer"), Some(&org.universal_logout_issuer));
        }
        url(format!("orgs[{i}].universal_logout.jwks_uri"), org.universal_logout_jwks_uri.as_deref());
    }
    for (i, org) in config.orgs.iter().enumerate() {
        for (j, domain) in org.domains.iter().enumerate() {
            if is_reserved_domain(domain) {
                report
                    .problems
                    .push(ConfigError::new(format!("orgs[{i}].domains[{j}]"), format!("{domain:?} is a reserved test domain (RFC 2606)")));
            }
        }
    }
    if config.base_url.is_none() {
        report.warnings.push(ConfigError::new(
            "base_url",
            "not set: taken from each request's host (set it, so that links and the assertion's iss never depend on the Host header)",
        ));
    }
    if config.orgs.is_empty() {
        report
            .warnings
            .push(ConfigError::new("orgs", "empty: nobody can sign in until an org is added (a setup link or make org-add, README)"));
    }
    report
}

/// Why `value` is a development address, if it is one.
fn development_address(value: &str) -> Option<String> {
    let url = Url::parse(value).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost");
    if loopback {
        return Some(format!("{value} is a development address (loopback): Cloudflare cannot reach it"));
    }
    is_reserved_domain(&host).then(|| format!("{value} is on a reserved test domain (RFC 2606)"))
}

/// `.test`, `.example`, `.invalid`, `.localhost` and the `example.com/net/org` domains.
fn is_reserved_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.');
    let tld = domain.rsplit('.').next().unwrap_or_default();
    matches!(tld, "test" | "example" | "invalid" | "localhost")
        || ["example.com", "example.net", "example.org"].iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Config {
        Config::parse(json, &|_| Some("secret".into())).expect("valid config")
    }

    #[test]
    fn placeholders_are_found_with_their_paths() {
        let sso =
            r#"{"base_url":"https://<app.example.com>","orgs":[{"id":"a","client_id":"<client id>","domains":["ok.com","<domain>"]}]}"#;
        let found: Vec<String> = placeholders(sso).iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                r#"base_url: the placeholder "https://<app.example.com>" is still there: replace it"#,
                r#"orgs[0].client_id: the placeholder "<client id>" is still there: replace it"#,
                r#"orgs[0].domains[1]: the placeholder "<domain>" is still there: replace it"#,
            ]
        );
        assert!(placeholders(&serde_json::to_string(sso).unwrap()).len() == 3, "SSO as a JSON string too");
        assert!(placeholders(r#"{"base_url":"https://app.acme.com"}"#).is_empty());
    }

    #[test]
    fn the_development_configuration_is_refused() {
        let dev = r#"{"base_url":"http://127.0.0.1:8787","origin":"http://127.0.0.1:9100",
            "provisioning":{"url":"http://localhost:9100/internal/sso/provision"},
            "dns":{"resolver_url":"http://127.0.0.1:9053/dns-query"},
            "orgs":[{"id":"acme","issuer":"http://127.0.0.1:9000","client_id":"c","client_secret_var":"S","domains":["acme.test"]}]}"#;
        let report = check(&parse(dev));
        let paths: Vec<&str> = report.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["base_url", "origin", "provisioning.url", "dns.resolver_url", "orgs[0].issuer", "orgs[0].domains[0]"]);
        assert_eq!(
            report.problems[4].to_string(),
            "orgs[0].issuer: http://127.0.0.1:9000 is a development address (loopback): Cloudflare cannot reach it"
        );
    }

    #[test]
    fn a_production_configuration_passes() {
        let prod = r#"{"base_url":"https://app.acme.com","origin":"https://origin.acme.com",
            "orgs":[{"id":"acme","issuer":"https://acme.okta.com","client_id":"c","client_secret_var":"S","domains":["acme.com"]}]}"#;
        assert_eq!(check(&parse(prod)), ProductionReport::default());
    }

    #[test]
    fn missing_base_url_and_orgs_are_warnings() {
        let report = check(&parse("{}"));
        assert!(report.problems.is_empty());
        let paths: Vec<&str> = report.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["base_url", "orgs"]);
    }

    #[test]
    fn reserved_domains_are_recognized() {
        for d in ["acme.test", "x.example", "example.com", "www.example.org", "a.invalid", "foo.localhost"] {
            assert!(is_reserved_domain(d), "{d}");
        }
        for d in ["acme.com", "notexample.com", "testing.io"] {
            assert!(!is_reserved_domain(d), "{d}");
        }
    }
}
