use super::*;

fn no_secrets(_: &str) -> Option<String> {
    None
}

fn parse(json: &str) -> Result<Config, ConfigError> {
    Config::parse(json, &no_secrets)
}

fn error(json: &str) -> String {
    parse(json).expect_err("config should be rejected").to_string()
}

const ONE_ORG: &str =
    r#"{"orgs":[{"id":"acme","issuer":"https://acme.okta.com","client_id":"c","client_secret":"s","domains":["Acme.com"]}]}"#;

#[test]
fn minimal_org_gets_the_documented_defaults() {
    let config = parse(ONE_ORG).unwrap();
    let org = &config.orgs[0];
    assert_eq!(org.scopes, ["openid", "email", "profile"]);
    assert_eq!(org.token_endpoint_auth_method, TokenEndpointAuthMethod::ClientSecretBasic);
    assert_eq!(org.domains, ["acme.com"]);
    assert_eq!(org.universal_logout_issuer, "https://acme.okta.com");
    assert_eq!(
        config.session,
        SessionPolicy { idle_timeout_secs: 28800, absolute_timeout_secs: 86400, revalidate_secs: 0, max_per_user: 50 }
    );
    assert!(config.provisioning.is_none());
}

#[test]
fn config_as_a_json_string_is_accepted() {
    let quoted = serde_json::to_string(ONE_ORG).unwrap();
    assert_eq!(parse(&quoted).unwrap().orgs[0].id, "acme");
}

#[test]
fn openid_scope_is_always_sent_first() {
    let config = parse(&ONE_ORG.replace(r#""client_id":"c""#, r#""client_id":"c","scopes":["email","openid"]"#)).unwrap();
    assert_eq!(config.orgs[0].scopes, ["openid", "email"]);
}

#[test]
fn bad_issuer_is_named_with_its_path() {
    let json = r#"{"orgs":[{"id":"a","issuer":"https://a.test","client_id":"c","client_secret":"s"},
                           {"id":"b","issuer":"not a url","client_id":"c","client_secret":"s"}]}"#;
    assert_eq!(error(json), "orgs[1].issuer: not an absolute URL");
}

#[test]
fn an_internationalized_host_is_taken_as_punycode_and_refused_in_unicode() {
    assert!(parse(&ONE_ORG.replace("https://acme.okta.com", "https://xn--bcher-kva.example")).is_ok());
    let unicode = ONE_ORG.replace("https://acme.okta.com", "https://bücher.example");
    assert_eq!(
        error(&unicode),
        "orgs[0].issuer: not an absolute URL with an ASCII host: write an internationalized domain as punycode (xn--…)"
    );
}

#[test]
fn http_is_only_allowed_on_loopback() {
    assert!(parse(&ONE_ORG.replace("https://acme.okta.com", "http://127.0.0.1:9000")).is_ok());
    assert!(parse(&ONE_ORG.replace("https://acme.okta.com", "http://localhost:9000")).is_ok());
    assert_eq!(
        error(&ONE_ORG.replace("https://acme.okta.com", "http://acme.okta.com")),
        "orgs[0].issuer: must use https (http only on localhost)"
    );
}

#[test]
fn unknown_field_is_reported_with_its_path() {
    let e = error(&ONE_ORG.replace(r#""client_id":"c""#, r#""client_id":"c","clientsecret":"x""#));
    assert!(e.starts_with("orgs[0].clientsecret: unknown field `clientsecret`"), "{e}");
}

#[test]
fn wrong_type_is_reported_with_its_path() {
    let e = error(r#"{"session":{"idle_timeout_secs":"long"}}"#);
    assert!(e.starts_with("session.idle_timeout_secs: invalid type"), "{e}");
}

#[test]
fn invalid_json_is_reported() {
    assert!(error("{").starts_with("SSO: not valid JSON"));
}

#[test]
fn secret_var_is_resolved() {
    let json = ONE_ORG.replace(r#""client_secret":"s""#, r#""client_secret_var":"ACME""#);
    let config = Config::parse(&json, &|name| (name == "ACME").then(|| "from-env".to_owned())).unwrap();
    assert!(config.orgs[0].client_secret.ct_eq("from-env"));
    assert_eq!(error(&json), r#"orgs[0].client_secret_var: the Worker secret "ACME" is not set"#);
}

#[test]
fn both_secret_forms_are_refused() {
    let json = ONE_ORG.replace(r#""client_secret":"s""#, r#""client_secret":"s","client_secret_var":"X""#);
    assert!(error(&json).starts_with("orgs[0].client_secret: set client_secret or client_secret_var"));
}

#[test]
fn org_id_must_be_a_slug() {
    assert_eq!(error(&ONE_ORG.replace(r#""id":"acme""#, r#""id":"Acme Inc""#)), "orgs[0].id: must match [a-z0-9-]{1,63}");
}

#[test]
fn duplicate_ids_and_domains_are_refused() {
    let json = r#"{"orgs":[{"id":"a","issuer":"https://a.test","client_id":"c","client_secret":"s","domains":["x.com"]},
                           {"id":"a","issuer":"https://b.test","client_id":"c","client_secret":"s"}]}"#;
    assert!(error(json).starts_with("orgs[1].id: duplicate org id"));
    let json = r#"{"orgs":[{"id":"a","issuer":"https://a.test","client_id":"c","client_secret":"s","domains":["x.com"]},
                           {"id":"b","issuer":"https://b.test","client_id":"c","client_secret":"s","domains":["X.com"]}]}"#;
    assert!(error(json).starts_with("orgs[1].domains: domain \"x.com\" is claimed"));
}

#[test]
fn base_url_must_not_have_a_path() {
    assert_eq!(error(r#"{"base_url":"https://a.test/app"}"#), "base_url: must be scheme://host[:port] without a path or query");
    assert_eq!(parse(r#"{"base_url":"https://a.test/"}"#).unwrap().base_url.as_deref(), Some("https://a.test"));
}

#[test]
fn unsupported_signing_alg_is_refused() {
    let e = error(&ONE_ORG.replace(r#""client_id":"c""#, r#""client_id":"c","signing_algs":["HS256"]"#));
    assert_eq!(e, r#"orgs[0].signing_algs[0]: unsupported algorithm "HS256""#);
}

#[test]
fn oversized_config_is_refused() {
    let big = format!(r#"{{"public_paths":["/{}"]}}"#, "a".repeat(MAX_CONFIG_BYTES));
    assert!(error(&big).starts_with("SSO: larger than"));
}

#[test]
fn session_secret_must_be_long_enough() {
    assert!(session_secret(None).is_err());
    assert_eq!(session_secret(Some("short".into())).unwrap_err().to_string(), "SSO_SESSION_SECRET: must be at least 32 bytes");
    assert!(session_secret(Some("x".repeat(32))).is_ok());
}

#[test]
fn unknown_member_with_an_empty_name_is_blamed_on_sso() {
    // Found by the `config` fuzz target: the error had an empty path (": unknown field ``").
    let e = parse(r#"{"":"B:" ,"dextra":2}"#).unwrap_err();
    assert_eq!(e.path, "SSO");
    assert!(e.problem.starts_with("unknown field ``"), "{e}");
}

#[test]
fn branding_errors_name_the_field_as_the_worker_logs_them() {
    let with = |branding: &str| ONE_ORG.replacen('{', &format!(r#"{{"branding":{branding},"#), 1);
    assert_eq!(
        error(&with(r##"{"product_name":"Acme","accent_color":"blue"}"##)),
        "branding.accent_color: must be a colour like #1a73e8 or #17e"
    );
    assert_eq!(error(&with(r##"{"accent_color":"#fff"}"##)), "branding: missing field `product_name`");
    let config = parse(&with(r##"{"product_name":"Acme Portal","accent_color":"#0A0"}"##)).unwrap();
    assert_eq!(config.branding.product_name.as_deref(), Some("Acme Portal"));
    assert_eq!(config.branding.accent_color.as_deref(), Some("#00aa00"));
    assert_eq!(parse(ONE_ORG).unwrap().branding, Branding::default());
}

#[test]
fn a_stored_orgs_client_secret_never_shows_in_debug() {
    let raw: RawOrg = serde_json::from_str(r#"{"id":"a","issuer":"https://a.test","client_id":"c","client_secret":"hunter2"}"#).unwrap();
    assert!(!format!("{raw:?}").contains("hunter2"));
    assert!(serde_json::to_string(&raw).unwrap().contains(r#""client_secret":"hunter2""#), "stored as written");
}

#[test]
fn an_orgs_jurisdiction_is_eu_or_fedramp_and_anything_else_is_named() {
    let org = |j: &str| format!(r#"{{"orgs":[{{"id":"acme","issuer":"https://acme.test","client_id":"c","client_secret":"s"{j}}}]}}"#);
    assert_eq!(parse(&org("")).unwrap().orgs[0].jurisdiction, None);
    assert_eq!(parse(&org(r#","jurisdiction":"eu""#)).unwrap().orgs[0].jurisdiction, Some(Jurisdiction::Eu));
    assert_eq!(parse(&org(r#","jurisdiction":"fedramp""#)).unwrap().orgs[0].jurisdiction, Some(Jurisdiction::Fedramp));
    for bad in [r#""EU""#, r#""us""#, r#""""#] {
        let message = error(&org(&format!(r#","jurisdiction":{bad}"#)));
        assert!(message.starts_with("orgs[0].jurisdiction: unknown jurisdiction (one of: eu, fedramp)"), "{message}");
    }
    assert!(error(&org(r#","jurisdiction":1"#)).contains("orgs[0].jurisdiction"));
}
