//! Provisioning at login: when the origin is called, with what, and what its answers mean.

use serde_json::{json, Value};

use super::callback_cases::{begin, finish, id_claims, sign_in, tokens};
use super::fake::{answer, config, signed, FakeIo, KID, ORIGIN_PROVISION_URL};
use crate::flows::{FlowError, NetError};
use crate::jose::{verify, JwkSet, SigningAlgorithm};
use crate::session::store::StoreRequest;

fn provisioning() -> FakeIo {
    FakeIo::new(config(json!({"provisioning": {"url": ORIGIN_PROVISION_URL}})))
}

fn sessions_created(io: &FakeIo) -> usize {
    io.store.borrow().log.iter().filter(|(_, r)| matches!(r, StoreRequest::Create { .. })).count()
}

#[test]
fn first_login_provisions_the_user_with_an_assertion_and_an_idempotency_key() {
    let io = provisioning();
    io.script(ORIGIN_PROVISION_URL, vec![answer(201, &json!({}))]);
    assert_eq!(sign_in(&io).provisioned, Some(201));
    let call = &io.sent_to(ORIGIN_PROVISION_URL)[0];
    let header = |name: &str| call.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).expect(name);
    let body: Value = serde_json::from_str(call.body.as_deref().expect("body")).expect("json");
    assert_eq!((body["org"].as_str(), body["subject"].as_str(), body["given_name"].as_str()), (Some("acme"), Some("u1"), Some("Ann")));
    assert_eq!(header("content-type"), "application/json");
    let recorded = io.store.borrow().fingerprints.values().next().cloned();
    assert_eq!(Some(header("idempotency-key")), recorded, "the key is the fingerprint the store remembers");
    let keys = JwkSet::parse(json!({"keys": [io.assertion_key.public_jwk()]}).to_string().as_bytes()).expect("jwks");
    let assertion = verify::<Value>(&header("x-sso-assertion"), &keys, &[SigningAlgorithm::Es256]).expect("signed by the worker");
    assert_eq!((assertion.claims["sub"].as_str(), assertion.claims["aud"].as_str()), (Some("u1"), Some("https://app.test")));
}

#[test]
fn a_returning_user_with_the_same_attributes_is_not_provisioned_again() {
    let io = provisioning();
    io.script(ORIGIN_PROVISION_URL, vec![answer(200, &json!({}))]);
    sign_in(&io);
    assert_eq!(sign_in(&io).provisioned, None);
    assert_eq!(io.sent_to(ORIGIN_PROVISION_URL).len(), 1);
}

#[test]
fn a_returning_user_whose_email_changed_is_provisioned_again() {
    let io = provisioning();
    io.script(ORIGIN_PROVISION_URL, vec![answer(409, &json!({}))]);
    assert_eq!(sign_in(&io).provisioned, Some(409), "409: the user exists");
    let started = begin(&io, "acme");
    let mut claims = id_claims(&started.nonce);
    claims["email"] = json!("ann.lee@acme.test");
    tokens(&io, &signed(&claims, Some(KID), None));
    assert!(finish(&io, &started, Some("c")).result.is_ok());
    assert_eq!(io.sent_to(ORIGIN_PROVISION_URL).len(), 2);
}

#[test]
fn a_refusal_with_a_reason_ends_the_login_without_a_session() {
    let io = provisioning();
    let refusal = Ok(crate::flows::HttpResponse {
        status: 403,
        content_type: Some("application/json".into()),
        body: br#"{"error":"not licensed"}"#.to_vec(),
    });
    io.script(ORIGIN_PROVISION_URL, vec![refusal]);
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some(KID), None));
    let err = finish(&io, &started, Some("c")).result.err();
    assert!(matches!(err, Some(FlowError::ProvisioningRefused { status: 403, .. })), "{err:?}");
    assert_eq!(sessions_created(&io), 0);
    assert_eq!(io.sent_to(ORIGIN_PROVISION_URL).len(), 1, "a refusal is not retried");
}

#[test]
fn server_errors_are_retried_with_backoff_then_fail_as_unavailable() {
    let io = provisioning();
    io.script(ORIGIN_PROVISION_URL, vec![answer(500, &json!({})), answer(502, &json!({})), answer(503, &json!({}))]);
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some(KID), None));
    let err = finish(&io, &started, Some("c")).result.err();
    assert_eq!(err, Some(FlowError::ProvisioningUnavailable("provisioning answered 503".into())));
    assert_eq!(*io.slept.borrow(), [100, 400]);
    assert_eq!(sessions_created(&io), 0);
}

#[test]
fn a_server_error_then_success_signs_the_user_in() {
    let io = provisioning();
    io.script(ORIGIN_PROVISION_URL, vec![Err(NetError::Timeout), answer(200, &json!({}))]);
    assert_eq!(sign_in(&io).provisioned, Some(200));
    assert_eq!(*io.slept.borrow(), [100]);
}

#[test]
fn an_unreachable_origin_fails_after_three_tries() {
    let io = provisioning();
    let started = begin(&io, "acme");
    tokens(&io, &signed(&id_claims(&started.nonce), Some(KID), None));
    let err = finish(&io, &started, Some("c")).result.err();
    assert_eq!(err, Some(FlowError::ProvisioningUnavailable("provisioning unreachable".into())));
    assert_eq!(io.sent_to(ORIGIN_PROVISION_URL).len(), 3);
}
