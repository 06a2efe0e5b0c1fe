//! Sessions ended by the user (sign-out), by the IdP's back-channel logout token, and
//! by Okta Universal Logout.

use serde_json::{json, Value};

use super::callback_cases::sign_in;
use super::fake::{config, idp_down, signed, FakeIo, ISSUER, KID, NOW};
use super::login_cases::params;
use super::run;
use crate::flows::{backchannel_logout, sign_out, universal_logout, BackchannelFailure, FlowError, UniversalLogoutFailure};
use crate::logout::backchannel::{BackchannelError, BACKCHANNEL_EVENT};
use crate::logout::universal::{RevocationError, REVOCATION_JWT_TYP};
use crate::session::cookie::SessionHandle;

const ENDPOINT: &str = "https://app.test/_sso/global-token-revocation";

fn signed_in(io: &FakeIo) -> SessionHandle {
    SessionHandle::decode(sign_in(io).session_cookie.as_deref().expect("a session"), io.keys.session_cookie()).expect("cookie")
}

fn sessions(io: &FakeIo) -> usize {
    io.store.borrow().sessions.len()
}

#[test]
fn sign_out_ends_the_session_and_goes_through_the_idp() {
    let io = FakeIo::new(config(json!({})));
    let handle = signed_in(&io);
    let traced = run(sign_out(&io, io.site(), Some(handle)));
    assert_eq!(traced.org.as_deref(), Some("acme"));
    let out = traced.result.expect("signed out");
    assert_eq!(sessions(&io), 0);
    let p = params(&out.location);
    assert!(out.location.starts_with(&format!("{ISSUER}/logout?")));
    assert_eq!((p["post_logout_redirect_uri"].as_str(), p["client_id"].as_str()), ("https://app.test/_sso/logged-out", "client-1"));
    assert!(!p["id_token_hint"].is_empty());
    assert_eq!(out.logout_state.as_deref(), Some(p["state"].as_str()));
}

#[test]
fn sign_out_without_a_session_only_lands_on_the_signed_out_page() {
    let io = FakeIo::new(config(json!({})));
    let out = run(sign_out(&io, io.site(), None));
    assert_eq!((out.org, out.result.expect("ok").location), (None, "/_sso/logged-out".to_owned()));
    let handle = signed_in(&io);
    run(sign_out(&io, io.site(), Some(handle.clone())));
    let again = run(sign_out(&io, io.site(), Some(handle))).result.expect("ok");
    assert_eq!((again.location.as_str(), again.logout_state), ("/_sso/logged-out", None));
}

#[test]
fn sign_out_while_the_idp_is_down_still_ends_the_local_session() {
    let io = FakeIo::new(config(json!({})));
    let handle = signed_in(&io);
    *io.metadata_error.borrow_mut() = Some(idp_down());
    let traced = run(sign_out(&io, io.site(), Some(handle)));
    assert_eq!((traced.org.as_deref(), traced.result.expect("ok").location), (Some("acme"), "/_sso/logged-out".to_owned()));
    assert_eq!(sessions(&io), 0);
}

#[test]
fn sign_out_when_the_store_is_down_fails() {
    let io = FakeIo::new(config(json!({})));
    let handle = signed_in(&io);
    *io.store_error.borrow_mut() = Some(FlowError::Store("down".into()));
    assert_eq!(run(sign_out(&io, io.site(), Some(handle))).result.err(), Some(FlowError::Store("down".into())));
}

pub(super) fn logout_claims() -> Value {
    json!({"iss": ISSUER, "aud": "client-1", "iat": NOW, "jti": "bcl-1", "sid": "sid-1",
           "events": {BACKCHANNEL_EVENT: {}}})
}

fn form(token: &str) -> Vec<u8> {
    format!("logout_token={token}").into_bytes()
}

pub(super) fn backchannel(io: &FakeIo, claims: &Value) -> crate::flows::Traced<u64, BackchannelFailure> {
    run(backchannel_logout(io, io.site(), Some(&form(&signed(claims, Some(KID), Some("logout+jwt"))))))
}

#[test]
fn rp_backchannel_logout_by_sid_ends_that_idp_session() {
    let io = FakeIo::new(config(json!({})));
    signed_in(&io);
    let traced = backchannel(&io, &logout_claims());
    assert_eq!((traced.org.as_deref(), traced.result), (Some("acme"), Ok(1)));
    assert_eq!(sessions(&io), 0);
}

#[test]
fn rp_backchannel_logout_by_sub_ends_every_session_of_the_user() {
    let io = FakeIo::new(config(json!({})));
    signed_in(&io);
    signed_in(&io);
    let mut claims = logout_claims();
    claims.as_object_mut().map(|c| c.remove("sid"));
    claims["sub"] = json!("u1");
    assert_eq!(backchannel(&io, &claims).result, Ok(2));
}

#[test]
fn rp_backchannel_logout_replayed_jti_is_refused() {
    let io = FakeIo::new(config(json!({})));
    assert_eq!(backchannel(&io, &logout_claims()).result, Ok(0));
    assert_eq!(backchannel(&io, &logout_claims()).result, Err(BackchannelError::Replayed.into()));
}

#[test]
fn rp_backchannel_logout_with_nonce_or_wrong_aud_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let mut claims = logout_claims();
    claims["nonce"] = json!("n");
    assert_eq!(backchannel(&io, &claims).result, Err(BackchannelError::Claims("nonce").into()));
    let mut claims = logout_claims();
    claims["aud"] = json!("someone-else");
    assert_eq!(backchannel(&io, &claims).result, Err(BackchannelError::Claims("aud").into()));
}

#[test]
fn backchannel_without_a_token_or_with_garbage_is_refused() {
    let io = FakeIo::new(config(json!({})));
    assert_eq!(run(backchannel_logout(&io, io.site(), None)).result, Err(BackchannelError::MissingToken.into()));
    let garbage = run(backchannel_logout(&io, io.site(), Some(b"logout_token=not.a.jwt")));
    assert_eq!(garbage.result, Err(BackchannelError::Unverified.into()));
}

#[test]
fn backchannel_from_an_unknown_issuer_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let mut claims = logout_claims();
    claims["iss"] = json!("https://evil.test");
    let traced = backchannel(&io, &claims);
    assert_eq!((traced.org, traced.result), (None, Err(BackchannelError::Claims("iss").into())));
}

#[test]
fn rp_backchannel_logout_bad_signature_is_refused_with_the_reason_logged() {
    let io = FakeIo::new(config(json!({})));
    let token = signed(&logout_claims(), Some(KID), None);
    let tampered = format!("{}AAAA", token.trim_end_matches(|c| c != '.'));
    let traced = run(backchannel_logout(&io, io.site(), Some(&form(&tampered))));
    assert!(matches!(traced.result, Err(BackchannelFailure::Refused(BackchannelError::Unverified, Some(_)))));
}

#[test]
fn backchannel_when_the_idp_or_store_is_down_fails_so_the_idp_retries() {
    let io = FakeIo::new(config(json!({})));
    *io.metadata_error.borrow_mut() = Some(idp_down());
    assert_eq!(backchannel(&io, &logout_claims()).result, Err(BackchannelFailure::Failed(idp_down())));
    *io.metadata_error.borrow_mut() = None;
    *io.store_error.borrow_mut() = Some(FlowError::Store("down".into()));
    assert_eq!(backchannel(&io, &logout_claims()).result, Err(BackchannelFailure::Failed(FlowError::Store("down".into()))));
}

pub(super) fn revocation_claims() -> Value {
    json!({"iss": ISSUER, "sub": "client-1", "aud": ENDPOINT, "iat": NOW, "exp": NOW + 60, "jti": "ul-1"})
}

pub(super) fn by_email(email: &str) -> Vec<u8> {
    json!({"sub_id": {"format": "email", "email": email}}).to_string().into_bytes()
}

pub(super) fn universal(io: &FakeIo, claims: &Value, body: Option<&[u8]>) -> crate::flows::Traced<(), UniversalLogoutFailure> {
    let bearer = format!("Bearer {}", signed(claims, Some(KID), Some(REVOCATION_JWT_TYP)));
    run(universal_logout(io, io.site(), Some(&bearer), body))
}

#[test]
fn universal_logout_by_email_ends_the_users_sessions() {
    let io = FakeIo::new(config(json!({})));
    signed_in(&io);
    let traced = universal(&io, &revocation_claims(), Some(&by_email("ANN@acme.test")));
    assert_eq!((traced.org.as_deref(), traced.result), (Some("acme"), Ok(())));
    assert_eq!(sessions(&io), 0);
}

#[test]
fn universal_logout_by_iss_sub_of_this_org_ends_the_users_sessions() {
    let io = FakeIo::new(config(json!({})));
    signed_in(&io);
    let body = json!({"sub_id": {"format": "iss_sub", "iss": ISSUER, "sub": "u1"}}).to_string();
    assert_eq!(universal(&io, &revocation_claims(), Some(body.as_bytes())).result, Ok(()));
    assert_eq!(sessions(&io), 0);
}

#[test]
fn universal_logout_for_an_unknown_user_or_another_issuer_is_404() {
    let io = FakeIo::new(config(json!({})));
    let refused = |r: crate::flows::Traced<(), UniversalLogoutFailure>| r.result.err();
    let unknown = Some(UniversalLogoutFailure::Refused(RevocationError::UnknownUser));
    assert_eq!(refused(universal(&io, &revocation_claims(), Some(&by_email("nobody@acme.test")))), unknown);
    let mut claims = revocation_claims();
    claims["jti"] = json!("ul-2");
    let body = json!({"sub_id": {"format": "iss_sub", "iss": "https://other.test", "sub": "u1"}}).to_string();
    assert_eq!(refused(universal(&io, &claims, Some(body.as_bytes()))), unknown);
}

#[test]
fn universal_logout_token_problems_are_401() {
    let io = FakeIo::new(config(json!({})));
    let body = by_email("ann@acme.test");
    let unauthorized = |why| Err(UniversalLogoutFailure::Refused(RevocationError::Unauthorized(why)));
    assert_eq!(run(universal_logout(&io, io.site(), None, Some(&body))).result, unauthorized("no bearer token"));
    assert_eq!(run(universal_logout(&io, io.site(), Some("Bearer x.y"), Some(&body))).result, unauthorized("not a JWT"));
    let mut claims = revocation_claims();
    claims["iss"] = json!("https://evil.test");
    assert_eq!(universal(&io, &claims, Some(&body)).result, unauthorized("unknown iss and sub"));
    let mut claims = revocation_claims();
    claims["sub"] = json!("client-2");
    assert_eq!(universal(&io, &claims, Some(&body)).result, unauthorized("unknown iss and sub"), "another app's client id");
    let mut claims = revocation_claims();
    claims["aud"] = json!("https://app.test/elsewhere");
    assert_eq!(universal(&io, &claims, Some(&body)).result, unauthorized("aud"));
    let wrong_typ = format!("Bearer {}", signed(&revocation_claims(), Some(KID), Some("JWT")));
    assert_eq!(run(universal_logout(&io, io.site(), Some(&wrong_typ), Some(&body))).result, unauthorized("typ"));
}

#[test]
fn universal_logout_replayed_jti_is_401() {
    let io = FakeIo::new(config(json!({})));
    signed_in(&io);
    let body = by_email("ann@acme.test");
    assert_eq!(universal(&io, &revocation_claims(), Some(&body)).result, Ok(()));
    let replay = universal(&io, &revocation_claims(), Some(&body)).result;
    assert_eq!(replay, Err(UniversalLogoutFailure::Refused(RevocationError::Unauthorized("jti replayed"))));
}

#[test]
fn universal_logout_with_an_oversized_or_malformed_body_is_400() {
    let io = FakeIo::new(config(json!({})));
    let bad = |r: Result<(), UniversalLogoutFailure>| matches!(r, Err(UniversalLogoutFailure::Refused(RevocationError::BadRequest(_))));
    assert!(bad(universal(&io, &revocation_claims(), None).result));
    assert!(bad(universal(&io, &revocation_claims(), Some(b"[]")).result));
}

#[test]
fn universal_logout_when_keys_orgs_or_store_fail_is_told_apart() {
    let io = FakeIo::new(config(json!({})));
    let body = by_email("ann@acme.test");
    *io.metadata_error.borrow_mut() = Some(idp_down());
    assert_eq!(universal(&io, &revocation_claims(), Some(&body)).result, Err(UniversalLogoutFailure::Unverifiable(idp_down())));
    *io.metadata_error.borrow_mut() = None;
    // A new isolate that cannot read the orgs; one that has its copy goes on from it.
    let cold = FakeIo::new(config(json!({})));
    *cold.orgs_error.borrow_mut() = Some(FlowError::Store("down".into()));
    let traced = universal(&cold, &revocation_claims(), Some(&body));
    assert_eq!((traced.org, traced.result), (None, Err(UniversalLogoutFailure::Unavailable(FlowError::Store("down".into())))));
    *io.orgs_error.borrow_mut() = Some(FlowError::Store("down".into()));
    assert_eq!(
        universal(&io, &revocation_claims(), Some(&body)).result,
        Err(UniversalLogoutFailure::Refused(RevocationError::UnknownUser))
    );
    *io.orgs_error.borrow_mut() = None;
    *io.store_error.borrow_mut() = Some(FlowError::Store("down".into()));
    assert_eq!(
        universal(&io, &revocation_claims(), Some(&body)).result,
        Err(UniversalLogoutFailure::Unavailable(FlowError::Store("down".into())))
    );
}
