use super::*;

const NOW: u64 = 1_700_000_000;
const ENDPOINT: &str = "https://app.test/_sso/global-token-revocation";

fn good() -> serde_json::Value {
    serde_json::json!({"iss":"https://acme.okta.com","sub":"client","aud":ENDPOINT,"iat":NOW,"nbf":NOW,"exp":NOW+60,"jti":"j1"})
}

fn check(v: serde_json::Value, typ: Option<&str>) -> Result<VerifiedRevocation, RevocationError> {
    serde_json::from_value::<RevocationClaims>(v).unwrap().validate("https://acme.okta.com", "client", ENDPOINT, typ, NOW)
}

fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
    let mut v = good();
    v[key] = value;
    v
}

#[test]
fn valid_revocation_jwt_is_accepted() {
    assert_eq!(check(good(), Some(REVOCATION_JWT_TYP)).unwrap().jti, "j1");
    assert!(check(good(), None).is_ok(), "typ is optional");
}

#[test]
fn wrong_typ_iss_aud_and_times_are_unauthorized() {
    assert_eq!(check(good(), Some("JWT")).unwrap_err().status(), 401);
    assert_eq!(check(with("iss", "https://other.okta.com".into()), None).unwrap_err(), RevocationError::Unauthorized("iss"));
    assert_eq!(check(with("aud", format!("{ENDPOINT}?x=1").into()), None).unwrap_err(), RevocationError::Unauthorized("aud"));
    assert_eq!(check(with("exp", (NOW - 600).into()), None).unwrap_err().status(), 401);
    assert_eq!(check(with("nbf", (NOW + 600).into()), None).unwrap_err().status(), 401);
    let mut v = good();
    v.as_object_mut().unwrap().remove("jti");
    assert_eq!(check(v, None).unwrap_err(), RevocationError::Unauthorized("jti"));
}

#[test]
fn email_and_iss_sub_formats_are_parsed() {
    assert_eq!(parse_subject(br#"{"sub_id":{"format":"email","email":"a@b.c"}}"#).unwrap(), SubjectId::Email("a@b.c".into()));
    assert_eq!(
        parse_subject(br#"{"sub_id":{"format":"iss_sub","iss":"https://i","sub":"00u1"}}"#).unwrap(),
        SubjectId::IssSub { iss: "https://i".into(), sub: "00u1".into() }
    );
}

#[test]
fn legacy_subject_key_is_accepted() {
    assert_eq!(parse_subject(br#"{"subject":{"format":"email","email":"a@b.c"}}"#).unwrap(), SubjectId::Email("a@b.c".into()));
}

#[test]
fn malformed_and_unsupported_bodies_are_bad_requests() {
    for body in [
        &b"not json"[..],
        b"{}",
        br#"{"sub_id":{"format":"opaque","id":"x"}}"#,
        br#"{"sub_id":{"format":"email"}}"#,
        br#"{"sub_id":{"format":"email","email":"nope"}}"#,
        br#"{"sub_id":"a@b.c"}"#,
        b"[]",
    ] {
        assert_eq!(parse_subject(body).unwrap_err().status(), 400, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn bearer_token_is_required() {
    assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
    assert!(bearer_token(None).is_err());
    assert!(bearer_token(Some("Basic abc")).is_err());
    assert!(bearer_token(Some("Bearer ")).is_err());
}

#[test]
fn sub_must_be_the_orgs_client_id() {
    assert_eq!(
        check(with("sub", "other-client".into()), None).unwrap_err(),
        RevocationError::Unauthorized("sub is not the org's client_id")
    );
    let mut v = good();
    v.as_object_mut().unwrap().remove("sub");
    assert_eq!(check(v, None).unwrap_err().status(), 401);
}

#[test]
fn iss_and_sub_together_pick_the_org() {
    let json = r#"{"orgs":[
        {"id":"a","issuer":"https://okta.test","client_id":"ca","client_secret":"s"},
        {"id":"b","issuer":"https://okta.test","client_id":"cb","client_secret":"s"},
        {"id":"c","issuer":"https://other.test","client_id":"ca","client_secret":"s"}]}"#;
    let orgs = crate::config::Config::parse(json, &|_| None).unwrap().orgs;
    let pick = |iss: &str, sub: Option<&str>| addressed_org(&orgs, iss, sub).map(|o| o.id.as_str());
    assert_eq!(pick("https://okta.test", Some("ca")), Some("a"));
    assert_eq!(pick("https://okta.test", Some("cb")), Some("b"));
    assert_eq!(pick("https://other.test", Some("ca")), Some("c"));
    assert_eq!(pick("https://okta.test", Some("cc")), None);
    assert_eq!(pick("https://okta.test", None), None);
}
