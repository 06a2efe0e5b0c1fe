//! The `SSO` configuration (and one org as the admin API takes it): parsed into a
//! `Config` that keeps every promise its docs make, or refused with an error.
#![no_main]

use edge_sso::config::{check_unique, http_url, is_org_id, Config, OrgConfig, RawOrg, MAX_ORGS};
use edge_sso_fuzz::worker_secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sso) = std::str::from_utf8(data) else { return };
    match Config::parse(sso, &worker_secret) {
        Ok(config) => {
            for site in [&config.base_url, &config.origin].into_iter().flatten() {
                assert!(http_url(site, "site").is_ok() && !site.ends_with('/'), "{site:?}");
            }
            for path in &config.public_paths {
                assert!(path.starts_with('/') && !path.starts_with("/_sso"), "{path:?}");
            }
            assert!(config.session.idle_timeout_secs > 0 && config.session.absolute_timeout_secs > 0);
            assert!(config.session.revalidate_secs <= 3600);
            if let Some(p) = &config.provisioning {
                assert!(http_url(&p.url, "url").is_ok() && (1..=60_000).contains(&p.timeout_ms));
            }
            assert!(config.orgs.len() <= MAX_ORGS);
            assert!(check_unique(&config.orgs, "orgs").is_ok());
            config.orgs.iter().for_each(check_org);
        }
        Err(e) => assert!(!e.path.is_empty() && !e.problem.is_empty(), "{e:?}"),
    }
    if let Ok(raw) = serde_json::from_str::<RawOrg>(sso) {
        if let Ok(org) = raw.validate("org", &worker_secret) {
            check_org(&org);
        }
    }
});

fn check_org(org: &OrgConfig) {
    assert!(is_org_id(&org.id), "{:?}", org.id);
    assert!(http_url(&org.issuer, "issuer").is_ok());
    assert!(http_url(&org.universal_logout_issuer, "issuer").is_ok());
    assert!(org.universal_logout_jwks_uri.as_ref().is_none_or(|u| http_url(u, "jwks_uri").is_ok()));
    assert!((1..=255).contains(&org.client_id.len()));
    assert!(!org.client_secret.expose().is_empty());
    assert_eq!(org.scopes.first().map(String::as_str), Some("openid"));
    for (i, scope) in org.scopes.iter().enumerate() {
        assert!(!org.scopes[..i].contains(scope), "duplicate scope {scope:?}");
        assert!(!scope.is_empty() && scope.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'));
    }
    for domain in &org.domains {
        assert_eq!(domain, &domain.to_ascii_lowercase());
        assert!(!domain.is_empty() && domain.contains('.'));
    }
    assert!(!org.signing_algs.is_empty());
}
