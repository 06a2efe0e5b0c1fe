use super::*;
use crate::config::Config;

fn orgs() -> Vec<OrgConfig> {
    let json = r#"{"orgs":[
        {"id":"acme","issuer":"https://acme.test","client_id":"ca","client_secret":"s","domains":["acme.com"]},
        {"id":"globex","issuer":"https://globex.test","client_id":"cg","client_secret":"s","domains":["globex.com"]}]}"#;
    Config::parse(json, &|_| None).unwrap().orgs
}

#[test]
fn org_parameter_wins() {
    let orgs = orgs();
    assert!(matches!(choose_org(&orgs, Some("globex"), Some("a@acme.com")), OrgChoice::Org(o) if o.id == "globex"));
    assert!(matches!(choose_org(&orgs, Some("nope"), None), OrgChoice::UnknownOrg));
}

#[test]
fn email_domain_picks_the_org_case_insensitively() {
    let orgs = orgs();
    assert!(matches!(choose_org(&orgs, None, Some("Ana@ACME.com")), OrgChoice::Org(o) if o.id == "acme"));
    assert!(matches!(choose_org(&orgs, None, Some("ana@initech.com")), OrgChoice::UnknownDomain));
    assert!(matches!(choose_org(&orgs, None, Some("notanemail")), OrgChoice::InvalidEmail));
    assert!(matches!(choose_org(&orgs, None, Some("@acme.com")), OrgChoice::InvalidEmail));
}

#[test]
fn several_orgs_and_no_hint_asks_for_email() {
    assert!(matches!(choose_org(&orgs(), None, None), OrgChoice::AskForEmail));
}

#[test]
fn the_only_org_needs_no_hint() {
    let orgs = orgs();
    assert!(matches!(choose_org(&orgs[..1], None, None), OrgChoice::Org(o) if o.id == "acme"));
}

#[test]
fn authorization_url_has_every_parameter() {
    let orgs = orgs();
    let secrets = LoginSecrets::from_random(&[5; 64]);
    let url =
        authorization_url("https://acme.test/authorize?x=1", &orgs[0], "https://app/_sso/callback", &secrets, Some("a@acme.com")).unwrap();
    let url = Url::parse(&url).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["x"], "1");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "ca");
    assert_eq!(q["redirect_uri"], "https://app/_sso/callback");
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(q["state"], secrets.state);
    assert_eq!(q["nonce"], secrets.nonce.expose());
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], pkce_challenge(secrets.code_verifier.expose()));
    assert_eq!(q["login_hint"], "a@acme.com");
    assert!(!q.values().any(|v| v == secrets.code_verifier.expose()));
}

#[test]
fn pkce_challenge_matches_rfc7636_example() {
    assert_eq!(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

fn params(query: &[(&str, &str)]) -> LoginParams {
    LoginParams::from_query(|name| query.iter().find(|(k, _)| *k == name).map(|(_, v)| *v), "https://app.example.com")
}

#[test]
fn third_party_initiated_login_picks_the_org_by_issuer() {
    let orgs = orgs();
    let p = params(&[("iss", "https://globex.test"), ("login_hint", "ana@globex.com")]);
    assert!(matches!(p.choose(&orgs), OrgChoice::Org(o) if o.id == "globex"));
    assert_eq!(p.email.as_deref(), Some("ana@globex.com"), "login_hint is the email");
    assert!(matches!(params(&[("iss", "https://evil.test")]).choose(&orgs), OrgChoice::UnknownIssuer));
    assert!(matches!(params(&[("iss", "https://globex.test/")]).choose(&orgs), OrgChoice::UnknownIssuer), "exact match only");
    // Precedence: org, then iss, then the email's domain.
    assert!(matches!(params(&[("org", "acme"), ("iss", "https://globex.test")]).choose(&orgs), OrgChoice::Org(o) if o.id == "acme"));
    assert!(
        matches!(params(&[("iss", "https://globex.test"), ("email", "a@acme.com")]).choose(&orgs), OrgChoice::Org(o) if o.id == "globex")
    );
}

#[test]
fn orgs_sharing_an_issuer_are_told_apart_by_the_email() {
    let json = r#"{"orgs":[
        {"id":"a","issuer":"https://okta.test","client_id":"ca","client_secret":"s","domains":["a.com"]},
        {"id":"b","issuer":"https://okta.test","client_id":"cb","client_secret":"s","domains":["b.com"]}]}"#;
    let orgs = Config::parse(json, &|_| None).unwrap().orgs;
    assert!(matches!(params(&[("iss", "https://okta.test"), ("login_hint", "x@b.com")]).choose(&orgs), OrgChoice::Org(o) if o.id == "b"));
    assert!(matches!(params(&[("iss", "https://okta.test")]).choose(&orgs), OrgChoice::AskForEmail));
}

#[test]
fn target_link_uri_becomes_a_same_site_return_to() {
    let rt = |t: &str| params(&[("target_link_uri", t)]).return_to;
    assert_eq!(rt("https://app.example.com/reports?y=2026"), "/reports?y=2026");
    assert_eq!(rt("/reports"), "/reports");
    for evil in [
        "https://evil.example/",
        "https://app.example.com.evil.example/",
        "http://app.example.com/x",
        "https://app.example.com:8443/x",
        "https://user@app.example.com/x",
        "//evil.example/x",
        "javascript:alert(1)",
        "https://app.example.com/_sso/logout",
    ] {
        assert_eq!(rt(evil), "/", "{evil}");
    }
    assert_eq!(params(&[("return_to", "/a"), ("target_link_uri", "https://app.example.com/b")]).return_to, "/a");
}
