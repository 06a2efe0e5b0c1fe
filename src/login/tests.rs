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
