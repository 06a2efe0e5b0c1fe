use super::*;

const NOW: u64 = 1_700_000_000;

fn good() -> serde_json::Value {
    serde_json::json!({"iss":"https://idp.test","aud":"client","iat":NOW,"exp":NOW+120,"jti":"j1","sub":"u1","sid":"s1",
        "events":{BACKCHANNEL_EVENT:{}}})
}

fn check(v: serde_json::Value) -> Result<VerifiedLogoutToken, BackchannelError> {
    serde_json::from_value::<LogoutTokenClaims>(v).unwrap().validate("https://idp.test", "client", NOW)
}

fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
    let mut v = good();
    v[key] = value;
    v
}

fn without(key: &str) -> serde_json::Value {
    let mut v = good();
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn valid_logout_token_names_sub_and_sid() {
    let t = check(good()).unwrap();
    assert_eq!((t.subject.as_deref(), t.sid.as_deref(), t.jti.as_str()), (Some("u1"), Some("s1"), "j1"));
}

#[test]
fn rp_backchannel_wrong_iss() {
    assert_eq!(check(with("iss", "https://evil".into())).unwrap_err(), BackchannelError::Claims("iss"));
}

#[test]
fn rp_backchannel_wrong_aud() {
    assert_eq!(check(with("aud", "other".into())).unwrap_err(), BackchannelError::Claims("aud"));
}

#[test]
fn rp_backchannel_no_event() {
    assert_eq!(check(without("events")).unwrap_err(), BackchannelError::Claims("events"));
}

#[test]
fn rp_backchannel_wrong_event() {
    assert_eq!(
        check(with("events", serde_json::json!({"http://schemas.openid.net/event/other":{}}))).unwrap_err(),
        BackchannelError::Claims("events")
    );
    assert_eq!(check(with("events", serde_json::json!({BACKCHANNEL_EVENT:"yes"}))).unwrap_err(), BackchannelError::Claims("events"));
}

#[test]
fn rp_backchannel_with_nonce() {
    assert_eq!(check(with("nonce", "n".into())).unwrap_err(), BackchannelError::Claims("nonce"));
}

#[test]
fn missing_jti_iat_and_subject_are_refused() {
    assert_eq!(check(without("jti")).unwrap_err(), BackchannelError::Claims("jti"));
    assert_eq!(check(without("iat")).unwrap_err(), BackchannelError::Claims("iat"));
    let mut v = without("sub");
    v.as_object_mut().unwrap().remove("sid");
    assert_eq!(check(v).unwrap_err(), BackchannelError::Claims("sub or sid"));
}

#[test]
fn expired_token_is_refused_but_exp_is_optional() {
    assert_eq!(check(with("exp", (NOW - 3600).into())).unwrap_err(), BackchannelError::Claims("exp"));
    assert!(check(without("exp")).is_ok());
}

#[test]
fn token_without_exp_is_accepted_only_while_iat_is_at_most_ten_minutes_old() {
    let no_exp = |iat: u64| {
        let mut v = without("exp");
        v["iat"] = iat.into();
        check(v)
    };
    let fresh = no_exp(NOW - 600).unwrap();
    assert!(fresh.remember_until >= NOW - 600 + JTI_MEMORY_SECS + CLOCK_SKEW_SECS, "jti remembered while the token is acceptable");
    assert!(no_exp(NOW - 600 - CLOCK_SKEW_SECS).is_ok(), "within the clock skew");
    assert_eq!(no_exp(NOW - 601 - CLOCK_SKEW_SECS).unwrap_err(), BackchannelError::Claims("iat too old (no exp)"));
    assert_eq!(no_exp(NOW - 86_400).unwrap_err(), BackchannelError::Claims("iat too old (no exp)"));
    // With an `exp` still ahead, an old `iat` is the issuer's business.
    let mut v = good();
    v["iat"] = (NOW - 86_400).into();
    assert!(check(v).is_ok());
}

#[test]
fn form_body_gives_the_token_and_ignores_the_rest() {
    assert_eq!(logout_token_from_form(b"foo=1&logout_token=a.b.c").unwrap(), "a.b.c");
    assert_eq!(logout_token_from_form(b"foo=1").unwrap_err(), BackchannelError::MissingToken);
    assert_eq!(logout_token_from_form(b"logout_token=").unwrap_err(), BackchannelError::MissingToken);
}
