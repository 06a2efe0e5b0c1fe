use super::*;

const NOW: u64 = 1_700_000_000;

/// A compact JWS carrying `claims` (its signature is not looked at here: [`validate`]
/// runs after `jose::verify`).
fn token(claims: &serde_json::Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#);
    format!("{header}.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

fn good() -> serde_json::Value {
    serde_json::json!({"iss":"https://idp.test","sub":"u1","aud":"client","exp":NOW+300,"iat":NOW,"nonce":"n1",
        "email":"ana@acme.com","given_name":"Ana","family_name":"Lima","sid":"s1"})
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

fn check(v: serde_json::Value) -> Result<VerifiedIdToken, IdTokenError> {
    let nonce = Nonce::new("n1");
    validate(&token(&v), &Expected { issuer: "https://idp.test", client_id: "client", nonce: &nonce, now: NOW })
}

#[test]
fn rp_id_token_valid_gives_identity() {
    let id = check(good()).unwrap();
    assert_eq!(id.subject, "u1");
    assert_eq!(id.name.as_deref(), Some("Ana Lima"));
    assert_eq!(id.sid.as_deref(), Some("s1"));
}

#[test]
fn rp_id_token_invalid_iss() {
    assert_eq!(check(with("iss", "https://evil.test".into())).unwrap_err(), IdTokenError::Issuer);
    assert_eq!(check(without("iss")).unwrap_err(), IdTokenError::Malformed);
}

#[test]
fn rp_id_token_missing_sub() {
    assert_eq!(check(without("sub")).unwrap_err(), IdTokenError::Malformed);
    assert_eq!(check(with("sub", "".into())).unwrap_err(), IdTokenError::Subject);
}

#[test]
fn rp_id_token_invalid_aud() {
    assert_eq!(check(with("aud", "other".into())).unwrap_err(), IdTokenError::Audience);
    assert_eq!(check(without("aud")).unwrap_err(), IdTokenError::Audience);
}

#[test]
fn multiple_aud_requires_azp() {
    assert_eq!(check(with("aud", serde_json::json!(["client", "other"]))).unwrap_err(), IdTokenError::AuthorizedParty);
    let mut v = with("aud", serde_json::json!(["client", "other"]));
    v["azp"] = "client".into();
    assert!(check(v.clone()).is_ok());
    v["azp"] = "other".into();
    assert_eq!(check(v).unwrap_err(), IdTokenError::AuthorizedParty);
}

#[test]
fn rp_id_token_missing_iat() {
    assert_eq!(check(without("iat")).unwrap_err(), IdTokenError::Malformed);
    assert_eq!(check(with("iat", (NOW + 3600).into())).unwrap_err(), IdTokenError::IssuedAt);
}

#[test]
fn expired_token_is_refused() {
    assert_eq!(check(with("exp", (NOW - 61).into())).unwrap_err(), IdTokenError::Expired);
    assert_eq!(check(without("exp")).unwrap_err(), IdTokenError::Malformed);
    assert!(check(with("exp", (NOW - 30).into())).is_ok(), "small skew is tolerated");
}

#[test]
fn rp_nonce_invalid() {
    assert_eq!(check(with("nonce", "other".into())).unwrap_err(), IdTokenError::Nonce);
    assert_eq!(check(without("nonce")).unwrap_err(), IdTokenError::Nonce);
}

#[test]
fn future_nbf_is_refused() {
    assert_eq!(check(with("nbf", (NOW + 3600).into())).unwrap_err(), IdTokenError::NotYetValid);
}

#[test]
fn oversized_claim_is_refused() {
    assert_eq!(check(with("email", "a".repeat(MAX_CLAIM_LEN + 1).into())).unwrap_err(), IdTokenError::Oversized);
}

#[test]
fn email_verified_is_read_as_idps_send_it() {
    assert_eq!(check(good()).unwrap().email_verified, None);
    assert_eq!(check(with("email_verified", true.into())).unwrap().email_verified, Some(true));
    assert_eq!(check(with("email_verified", false.into())).unwrap().email_verified, Some(false));
    assert_eq!(check(with("email_verified", "false".into())).unwrap().email_verified, Some(false));
    assert_eq!(check(with("email_verified", "true".into())).unwrap().email_verified, Some(true));
    // Neither a boolean nor a boolean string: the token does not have the expected shape.
    assert_eq!(check(with("email_verified", 0.into())).unwrap_err(), IdTokenError::Malformed);
}

#[test]
fn garbage_is_malformed() {
    let nonce = Nonce::new("n1");
    let expected = Expected { issuer: "https://idp.test", client_id: "client", nonce: &nonce, now: NOW };
    assert_eq!(validate("not a token", &expected).unwrap_err(), IdTokenError::Malformed);
    assert_eq!(check(with("iss", "not a url".into())).unwrap_err(), IdTokenError::Malformed);
}

#[test]
fn sid_and_preferred_username_are_kept() {
    let mut v = without("given_name");
    v.as_object_mut().unwrap().remove("family_name");
    v["preferred_username"] = "ana.l".into();
    let id = check(v).unwrap();
    assert_eq!(id.name.as_deref(), Some("ana.l"));
    assert_eq!(id.sid.as_deref(), Some("s1"));
    assert_eq!(check(with("sid", "s".repeat(MAX_CLAIM_LEN + 1).into())).unwrap_err(), IdTokenError::Oversized);
}
