//! `finish_login`: state, code exchange, ID token (with the unknown-`kid` refetch),
//! userinfo, and the session it creates.

use std::rc::Rc;

use serde_json::{json, Value};

use super::fake::{answer, config, idp_down, idp_keys, signed, FakeIo, ISSUER, KID, NOW, TOKEN_URL, USERINFO_URL};
use super::login_cases::params;
use super::run;
use crate::flows::NetError;
use crate::flows::{finish_login, start_login, CallbackQuery, FlowError, LoginStart, SignedIn, Traced};
use crate::login::state::StateError;
use crate::oidc::IdpError;
use crate::session::cookie::SessionHandle;
use crate::session::store::StoreRequest;

/// A login started in the browser: what the IdP and the callback need.
pub(super) struct Started {
    pub(super) state: String,
    pub(super) cookie: String,
    pub(super) nonce: String,
}

/// Starts a login for `org`.
pub(super) fn begin(io: &FakeIo, org: &str) -> Started {
    let Ok(LoginStart::ToIdp { location, cookie_value, .. }) = run(start_login(io, io.site(), Some(org), None, Some("/after"))).result
    else {
        panic!("login did not start")
    };
    let p = params(&location);
    Started { state: p["state"].clone(), cookie: cookie_value, nonce: p["nonce"].clone() }
}

/// Valid ID-token claims for `nonce`.
pub(super) fn id_claims(nonce: &str) -> Value {
    json!({"iss": ISSUER, "aud": "client-1", "sub": "u1", "email": "ann@acme.test", "name": "Ann", "given_name": "Ann",
           "family_name": "Lee", "sid": "sid-1", "iat": NOW, "exp": NOW + 300, "nonce": nonce})
}

/// The token endpoint answering with `id_token`.
pub(super) fn tokens(io: &FakeIo, id_token: &str) {
    io.script(TOKEN_URL, vec![answer(200, &json!({"id_token": id_token, "access_token": "at-1", "token_type": "Bearer"}))]);
}

/// The callback for `started` with `code`.
pub(super) fn finish(io: &FakeIo, started: &Started, code: Option<&str>) -> Traced<SignedIn> {
    let query = CallbackQuery { state: Some(&started.state), code, iss: None, error: None, user_agent: None, country: None };
    run(finish_login(io, io.site(), query, Some(&started.cookie)))
}

/// A whole login of `u1` at acme.
pub(super) fn sign_in(io: &FakeIo) -> SignedIn {
    let started = begin(io, "acme");
    tokens(io, &signed(&id_claims(&started.nonce), Some(KID), None));
    finish(io, &started, Some("code-1")).result.expect("signed in")
}

fn failure(io: &FakeIo, claims: &Value, kid: Option<&str>) -> FlowError {
    let started = begin(io, "acme");
    let claims = if claims.is_null() { id_claims(&started.nonce) } else { claims.clone() };
    tokens(io, &signed(&claims, kid, None));
    finish(io, &started, Some("code-1")).result.err().expect("refused")
}

#[test]
fn callback_exchanges_the_code_and_creates_the_session() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some(KID), None));
    let traced = finish(&io, &started, Some("code-1"));
    assert_eq!(traced.org.as_deref(), Some("acme"));
    let signed_in = traced.result.expect("signed in");
    assert_eq!((signed_in.return_to.as_str(), signed_in.max_age, signed_in.provisioned), ("/after", 86_400, None));
    let handle = SessionHandle::decode(signed_in.session_cookie.as_deref().expect("a session"), io.keys.session_cookie()).expect("cookie");
    let store = io.store.borrow();
    let (_, record) = &store.sessions[&handle.storage_key()];
    let user = &record.user;
    assert_eq!((user.org.as_str(), user.subject.as_str(), user.email.as_deref()), ("acme", "u1", Some("ann@acme.test")));
    assert_eq!((user.given_name.as_deref(), user.family_name.as_deref()), (Some("Ann"), Some("Lee")));
    assert_eq!((record.idp_sid.as_deref(), record.created_at), (Some("sid-1"), NOW));
    assert!(!record.id_token.is_empty(), "kept for id_token_hint");
    let exchange = &io.sent_to(TOKEN_URL)[0];
    let body = exchange.body.as_deref().unwrap_or_default();
    assert!(body.contains("code=code-1") && body.contains("code_verifier="), "{body}");
    assert!(io.sent_to(USERINFO_URL).is_empty(), "the token had email and name");
}

#[test]
fn callback_with_an_idp_error_is_refused_with_the_sanitized_code() {
    let io = FakeIo::new(config(json!({})));
    let query = CallbackQuery { error: Some("access_denied<script>"), ..CallbackQuery::default() };
    let traced = run(finish_login(&io, io.site(), query, None));
    assert_eq!(traced.result.err(), Some(FlowError::IdpDeclined("access_deniedscript".into())));
}

#[test]
fn callback_without_state_or_from_another_browser_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(finish_login(&io, io.site(), CallbackQuery { code: Some("c"), ..CallbackQuery::default() }, None));
    assert_eq!(traced.result.err(), Some(FlowError::State(StateError::Missing)));
    let started = begin(&io, "acme");
    let query = CallbackQuery { state: Some(&started.state), code: Some("c"), ..CallbackQuery::default() };
    assert_eq!(run(finish_login(&io, io.site(), query, None)).result.err(), Some(FlowError::State(StateError::NotThisBrowser)));
}

#[test]
fn callback_with_a_stale_state_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    io.now.set(NOW + 601);
    assert_eq!(finish(&io, &started, Some("c")).result.err(), Some(FlowError::State(StateError::Expired)));
}

#[test]
fn callback_with_replayed_state_is_rejected() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some(KID), None));
    assert!(finish(&io, &started, Some("code-1")).result.is_ok());
    let again = finish(&io, &started, Some("code-1"));
    assert_eq!((again.org.as_deref(), again.result.err()), (Some("acme"), Some(FlowError::StateReused)));
    assert_eq!(io.sent_to(TOKEN_URL).len(), 1, "the code is not exchanged twice");
}

#[test]
fn callback_from_the_wrong_issuer_or_without_code_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    let query = CallbackQuery {
        state: Some(&started.state),
        code: Some("c"),
        iss: Some("https://evil.test"),
        error: None,
        user_agent: None,
        country: None,
    };
    assert_eq!(run(finish_login(&io, io.site(), query, Some(&started.cookie))).result.err(), Some(FlowError::WrongIssuer));
    assert_eq!(finish(&io, &started, None).result.err(), Some(FlowError::MissingCode));
    assert_eq!(finish(&io, &started, Some(&"c".repeat(4097))).result.err(), Some(FlowError::MissingCode));
}

#[test]
fn callback_for_an_org_removed_since_the_login_started_is_refused() {
    let mut io = FakeIo::new(config(json!({})));
    let started = begin(&io, "globex");
    io.config.orgs.retain(|o| o.id != "globex");
    assert_eq!(finish(&io, &started, Some("c")).result.err(), Some(FlowError::State(StateError::Invalid)));
}

#[test]
fn callback_when_the_store_is_down_fails_before_the_exchange() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    *io.store_error.borrow_mut() = Some(FlowError::Store("session store binding".into()));
    assert_eq!(finish(&io, &started, Some("c")).result.err(), Some(FlowError::Store("session store binding".into())));
    assert!(io.sent_to(TOKEN_URL).is_empty());
}

#[test]
fn token_endpoint_refusal_unreachability_and_timeout_are_told_apart() {
    let io = FakeIo::new(config(json!({})));
    for (script, expected) in [
        (answer(400, &json!({"error": "invalid_grant"})), FlowError::GrantRefused("invalid_grant".into())),
        (answer(500, &json!({})), FlowError::Idp(IdpError::Misbehaving("token endpoint answered 500".into()))),
        (Err(NetError::Unreachable), FlowError::Idp(IdpError::Unreachable("token endpoint unreachable".into()))),
        (Err(NetError::Timeout), FlowError::Idp(IdpError::Unreachable("token endpoint timed out".into()))),
        (Err(NetError::TooLarge), FlowError::Idp(IdpError::Misbehaving("token endpoint answer too large".into()))),
    ] {
        let started = begin(&io, "acme");
        io.script(TOKEN_URL, vec![script]);
        assert_eq!(finish(&io, &started, Some("c")).result.err(), Some(expected));
    }
}

#[test]
fn discovery_down_at_the_callback_is_an_idp_failure() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    *io.metadata_error.borrow_mut() = Some(idp_down());
    assert_eq!(finish(&io, &started, Some("c")).result.err(), Some(idp_down()));
}

#[test]
fn rp_id_token_bad_sig_es256_is_refused_without_a_refetch() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    let token = signed(&id_claims(&started.nonce), Some(KID), None);
    let tampered = format!("{}AAAA", token.trim_end_matches(|c| c != '.'));
    tokens(&io, &tampered);
    assert!(matches!(finish(&io, &started, Some("c")).result, Err(FlowError::InvalidToken(_))));
    assert_eq!(io.forced_refetches.get(), 0, "a known kid with a bad signature is not a rotation");
}

#[test]
fn rp_id_token_kid_absent_multiple_jwks_refetches_once() {
    let io = FakeIo::new(config(json!({})));
    *io.jwks.borrow_mut() = Rc::new(crate::fixtures::jwks(&[crate::fixtures::p256_jwk(&crate::fixtures::keys().p256_b, None, None)]));
    *io.rotated.borrow_mut() = Some(Rc::new(idp_keys(KID)));
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), None, None));
    assert!(finish(&io, &started, Some("c")).result.is_ok());
    assert_eq!(io.forced_refetches.get(), 1);
}

#[test]
fn rp_key_rotation_op_sign_key_unknown_kid_refetches_the_jwks() {
    let io = FakeIo::new(config(json!({})));
    *io.rotated.borrow_mut() = Some(Rc::new(idp_keys("k2")));
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some("k2"), None));
    assert!(finish(&io, &started, Some("c")).result.is_ok());
    assert_eq!(io.forced_refetches.get(), 1);
}

#[test]
fn unknown_kid_when_a_refetch_is_not_allowed_is_refused() {
    let io = FakeIo::new(config(json!({})));
    assert_eq!(failure(&io, &Value::Null, Some("k9")), FlowError::InvalidToken("signature not verified".into()));
    assert_eq!(io.forced_refetches.get(), 1);
}

#[test]
fn unknown_kid_still_unknown_after_the_refetch_is_refused() {
    let io = FakeIo::new(config(json!({})));
    *io.rotated.borrow_mut() = Some(Rc::new(idp_keys("k2")));
    assert!(matches!(failure(&io, &Value::Null, Some("k9")), FlowError::InvalidToken(_)));
}

#[test]
fn rp_nonce_invalid_and_expired_tokens_are_refused() {
    let io = FakeIo::new(config(json!({})));
    let mut claims = id_claims("not-the-nonce");
    assert_eq!(failure(&io, &claims, Some(KID)), FlowError::InvalidToken("nonce does not match".into()));
    claims["exp"] = json!(NOW - 3600);
    assert!(matches!(failure(&io, &claims, Some(KID)), FlowError::InvalidToken(_)));
}

#[test]
fn a_token_without_email_or_name_is_completed_from_userinfo() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    let mut claims = id_claims(&started.nonce);
    for member in ["email", "name", "given_name", "family_name"] {
        claims.as_object_mut().map(|c| c.remove(member));
    }
    tokens(&io, &signed(&claims, Some(KID), None));
    io.script(USERINFO_URL, vec![answer(200, &json!({"sub": "u1", "email": "ann@acme.test", "name": "Ann Lee"}))]);
    let signed_in = finish(&io, &started, Some("c")).result.expect("signed in");
    let handle = SessionHandle::decode(signed_in.session_cookie.as_deref().expect("a session"), io.keys.session_cookie()).expect("cookie");
    let store = io.store.borrow();
    assert_eq!(store.sessions[&handle.storage_key()].1.user.name.as_deref(), Some("Ann Lee"));
    let call = &io.sent_to(USERINFO_URL)[0];
    assert!(call.headers.iter().any(|(k, v)| k == "authorization" && v == "Bearer at-1"));
}

#[test]
fn rp_userinfo_bad_sub_claim_is_refused() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    let mut claims = id_claims(&started.nonce);
    claims.as_object_mut().map(|c| c.remove("email"));
    tokens(&io, &signed(&claims, Some(KID), None));
    io.script(USERINFO_URL, vec![answer(200, &json!({"sub": "someone-else", "email": "x@acme.test"}))]);
    let err = finish(&io, &started, Some("c")).result.err();
    assert_eq!(err, Some(FlowError::InvalidToken("userinfo sub does not match the ID token".into())));
    let store = io.store.borrow();
    assert!(!store.log.iter().any(|(_, r)| matches!(r, StoreRequest::Create { .. })), "no session");
}

#[test]
fn userinfo_unreachable_fails_the_login() {
    let io = FakeIo::new(config(json!({})));
    let started = begin(&io, "acme");
    let mut claims = id_claims(&started.nonce);
    for member in ["name", "given_name", "family_name"] {
        claims.as_object_mut().map(|c| c.remove(member));
    }
    tokens(&io, &signed(&claims, Some(KID), None));
    let err = finish(&io, &started, Some("c")).result.err();
    assert_eq!(err, Some(FlowError::Idp(IdpError::Unreachable("userinfo unreachable".into()))));
}
