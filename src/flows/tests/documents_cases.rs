//! The IdP documents: parsed before caching, reused for an hour, forced JWKS refetches
//! spaced a minute apart.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::json;

use super::fake::{answer, config, FakeIo, ISSUER, NOW};
use super::run;
use crate::fixtures::{jwks_json, keys, p256_jwk};
use crate::flows::documents::{jwks, provider_metadata, Documents, SharedCache, DOCUMENT_TTL_SECS};
use crate::flows::{FlowError, HttpResponse, NetError};
use crate::oidc::IdpError;

const DISCOVERY: &str = "https://acme.idp.test/.well-known/openid-configuration";
const JWKS: &str = "https://acme.idp.test/jwks";

#[derive(Default)]
struct Shared(RefCell<HashMap<String, Vec<u8>>>);

impl SharedCache for Shared {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.0.borrow().get(key).cloned()
    }

    async fn put(&self, key: &str, body: &[u8], _ttl_secs: u64) {
        self.0.borrow_mut().insert(key.to_owned(), body.to_vec());
    }
}

fn discovery() -> Result<HttpResponse, NetError> {
    answer(
        200,
        &json!({"issuer": ISSUER, "authorization_endpoint": format!("{ISSUER}/authorize"), "token_endpoint": format!("{ISSUER}/token"),
                "jwks_uri": JWKS, "response_types_supported": ["code"], "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}),
    )
}

fn key_set() -> Result<HttpResponse, NetError> {
    Ok(HttpResponse { status: 200, content_type: None, body: jwks_json(&[p256_jwk(&keys().p256_a, Some("k1"), None)]) })
}

#[test]
fn metadata_is_fetched_once_and_reused_for_an_hour() {
    let (io, shared, cache) = (FakeIo::new(config(json!({}))), Shared::default(), RefCell::new(Documents::default()));
    io.script(DISCOVERY, vec![discovery()]);
    let first = run(provider_metadata(&io, &shared, &cache, ISSUER)).expect("metadata");
    let again = run(provider_metadata(&io, &shared, &cache, ISSUER)).expect("metadata");
    assert!(Rc::ptr_eq(&first, &again));
    assert_eq!(io.sent_to(DISCOVERY).len(), 1);
    assert!(shared.0.borrow().contains_key(&format!("discovery:{ISSUER}")), "shared with other isolates");
    io.now.set(NOW + DOCUMENT_TTL_SECS);
    run(provider_metadata(&io, &shared, &cache, ISSUER)).expect("metadata");
    assert_eq!(io.sent_to(DISCOVERY).len(), 1, "a fresh isolate copy comes from the shared cache");
}

#[test]
fn another_isolate_reads_the_shared_copy_without_fetching() {
    let (io, shared) = (FakeIo::new(config(json!({}))), Shared::default());
    io.script(DISCOVERY, vec![discovery()]);
    run(provider_metadata(&io, &shared, &RefCell::new(Documents::default()), ISSUER)).expect("metadata");
    run(provider_metadata(&io, &shared, &RefCell::new(Documents::default()), ISSUER)).expect("metadata");
    assert_eq!(io.sent_to(DISCOVERY).len(), 1);
}

#[test]
fn a_document_for_another_issuer_or_an_error_answer_is_never_cached() {
    let (io, shared, cache) = (FakeIo::new(config(json!({}))), Shared::default(), RefCell::new(Documents::default()));
    io.script(DISCOVERY, vec![answer(200, &json!({"issuer": "https://evil.test"}))]);
    assert!(matches!(run(provider_metadata(&io, &shared, &cache, ISSUER)), Err(FlowError::Idp(IdpError::Misbehaving(_)))));
    io.script(DISCOVERY, vec![answer(503, &json!({}))]);
    let err = run(provider_metadata(&io, &shared, &cache, ISSUER)).err();
    assert_eq!(err, Some(FlowError::Idp(IdpError::Misbehaving(format!("{DISCOVERY} answered 503")))));
    assert!(shared.0.borrow().is_empty());
}

#[test]
fn an_unreachable_or_slow_issuer_is_unreachable() {
    let (io, shared, cache) = (FakeIo::new(config(json!({}))), Shared::default(), RefCell::new(Documents::default()));
    io.script(DISCOVERY, vec![Err(NetError::Timeout)]);
    let err = run(provider_metadata(&io, &shared, &cache, ISSUER)).err();
    assert_eq!(err, Some(FlowError::Idp(IdpError::Unreachable(format!("{DISCOVERY} timed out")))));
}

#[test]
fn forced_jwks_refetches_are_spaced_a_minute_apart() {
    let (io, shared, cache) = (FakeIo::new(config(json!({}))), Shared::default(), RefCell::new(Documents::default()));
    io.script(JWKS, vec![key_set()]);
    let cached = run(jwks(&io, &shared, &cache, JWKS, false)).expect("keys");
    let forced = run(jwks(&io, &shared, &cache, JWKS, true)).expect("keys");
    assert!(!Rc::ptr_eq(&cached, &forced), "refetched, bypassing the shared cache");
    assert_eq!(io.sent_to(JWKS).len(), 2);
    let too_soon = run(jwks(&io, &shared, &cache, JWKS, true)).expect("keys");
    assert!(Rc::ptr_eq(&forced, &too_soon), "the cached set itself: no refetch within the minute");
    assert_eq!(io.sent_to(JWKS).len(), 2);
    io.now.set(NOW + 60);
    run(jwks(&io, &shared, &cache, JWKS, true)).expect("keys");
    assert_eq!(io.sent_to(JWKS).len(), 3);
}

#[test]
fn an_unreadable_key_set_is_refused_and_not_cached() {
    let (io, shared, cache) = (FakeIo::new(config(json!({}))), Shared::default(), RefCell::new(Documents::default()));
    io.script(JWKS, vec![answer(200, &json!({"keys": "nope"}))]);
    assert!(matches!(run(jwks(&io, &shared, &cache, JWKS, false)), Err(FlowError::Idp(IdpError::Misbehaving(_)))));
    assert!(shared.0.borrow().is_empty());
}
