//! The access decision for application requests, the identity the application sees,
//! and the assertion about it.

use serde_json::{json, Value};

use super::fake::{config, FakeIo, NOW};
use super::run;
use crate::flows::{access, identity_of, sign_assertion, Access, Unauthenticated};
use crate::jose::{verify, JwkSet, SigningAlgorithm};
use crate::session::store::ActiveSession;
use crate::session::{IdToken, SessionRecord};
use crate::user::User;

fn user() -> User {
    User {
        org: "acme".into(),
        issuer: "https://acme.idp.test".into(),
        subject: "u1".into(),
        email: Some("ann@acme.test".into()),
        name: None,
        given_name: None,
        family_name: Some("Lee".into()),
    }
}

#[test]
fn public_prefixes_need_no_session_and_everything_else_does() {
    let io = FakeIo::new(config(json!({})));
    assert_eq!(access(io.site(), "/public/logo.png"), Access::Public);
    assert_eq!(access(io.site(), "/dashboard"), Access::SessionRequired);
    assert_eq!(access(io.site(), "/"), Access::SessionRequired);
}

#[test]
fn a_browser_navigation_without_session_is_sent_to_sign_in_and_comes_back() {
    let decided = Unauthenticated::decide(true, true, "/reports?q=a b&x=1", false);
    let location = "/_sso/login?return_to=%2Freports%3Fq%3Da+b%26x%3D1".to_owned();
    assert_eq!(decided, Unauthenticated::SignIn { location: location.clone(), session_ended: false });
    let ended = Unauthenticated::decide(true, true, "/reports?q=a b&x=1", true);
    assert_eq!(ended, Unauthenticated::SignIn { location, session_ended: true }, "a stale cookie: the session ended elsewhere");
}

#[test]
fn api_calls_and_non_get_requests_without_session_get_401() {
    assert_eq!(Unauthenticated::decide(true, false, "/api", true), Unauthenticated::Refuse);
    assert_eq!(Unauthenticated::decide(false, true, "/form", false), Unauthenticated::Refuse);
}

#[test]
fn an_oversized_return_to_is_replaced_by_the_root() {
    let long = format!("/{}", "a".repeat(5000));
    let decided = Unauthenticated::decide(true, true, &long, false);
    assert_eq!(decided, Unauthenticated::SignIn { location: "/_sso/login?return_to=%2F".into(), session_ended: false });
}

#[test]
fn the_application_sees_the_session_user_and_its_expiry() {
    let record = SessionRecord { user: user(), idp_sid: Some("sid".into()), id_token: IdToken::default(), created_at: NOW, last_seen: NOW };
    let identity = identity_of(&ActiveSession { record, expires_at: NOW + 60 });
    assert_eq!((identity.user, identity.expires_at), (user(), NOW + 60));
}

#[test]
fn the_assertion_is_addressed_to_the_origin_when_one_is_configured() {
    let io = FakeIo::new(config(json!({"origin": "https://origin.test"})));
    let jwt = run(sign_assertion(&io, io.site(), &user())).expect("signed");
    let keys = JwkSet::parse(json!({"keys": [io.assertion_key.public_jwk()]}).to_string().as_bytes()).expect("jwks");
    let claims = verify::<Value>(&jwt, &keys, &[SigningAlgorithm::Es256]).expect("valid").claims;
    assert_eq!((claims["aud"].as_str(), claims["iss"].as_str()), (Some("https://origin.test"), Some("https://app.test")));
    assert_eq!((claims["sub"].as_str(), claims["idp_iss"].as_str()), (Some("u1"), Some("https://acme.idp.test")));
    assert_eq!(claims["iat"].as_u64(), Some(NOW));
}
