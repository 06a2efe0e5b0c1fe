//! The session check of protected requests: the store's word, the revalidation window,
//! and the reused assertion.

use std::cell::RefCell;

use serde_json::json;

use super::callback_cases::sign_in;
use super::fake::{config, FakeIo, NOW};
use super::run;
use crate::flows::session_check::{assertion, current_session, Remembered, ASSERTION_REUSE_SECS};
use crate::flows::FlowError;
use crate::session::store::StoreRequest;

fn touches(io: &FakeIo) -> usize {
    io.store.borrow().log.iter().filter(|(_, r)| matches!(r, StoreRequest::Touch { .. })).count()
}

#[test]
fn every_request_asks_the_store_when_revalidation_is_off() {
    let io = FakeIo::new(config(json!({})));
    let cookie = sign_in(&io).session_cookie.expect("a session");
    let memory = RefCell::new(Remembered::default());
    for _ in 0..2 {
        let (_, session) = run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
        assert_eq!(session.record.user.subject, "u1");
    }
    assert_eq!(touches(&io), 2);
}

#[test]
fn a_session_checked_within_revalidate_secs_is_trusted_without_asking() {
    let io = FakeIo::new(config(json!({"session": {"revalidate_secs": 30}})));
    let cookie = sign_in(&io).session_cookie.expect("a session");
    let memory = RefCell::new(Remembered::default());
    run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    io.now.set(NOW + 29);
    run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    assert_eq!(touches(&io), 1);
    io.now.set(NOW + 30);
    run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    assert_eq!(touches(&io), 2, "the window passed: asked again");
}

#[test]
fn a_forgotten_session_is_asked_for_again_and_an_ended_one_is_gone() {
    let io = FakeIo::new(config(json!({"session": {"revalidate_secs": 30}})));
    let cookie = sign_in(&io).session_cookie.expect("a session");
    let memory = RefCell::new(Remembered::default());
    let (handle, _) = run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    io.store.borrow_mut().sessions.clear();
    memory.borrow_mut().forget(&handle.storage_key());
    assert!(run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").is_none());
}

#[test]
fn a_missing_or_forged_cookie_is_no_session_without_asking() {
    let io = FakeIo::new(config(json!({})));
    let memory = RefCell::new(Remembered::default());
    assert!(run(current_session(&io, io.site(), None, &memory)).result.expect("ok").is_none());
    assert!(run(current_session(&io, io.site(), Some("forged.value"), &memory)).result.expect("ok").is_none());
    assert_eq!(touches(&io), 0);
}

#[test]
fn a_store_failure_is_an_error_not_a_missing_session() {
    let io = FakeIo::new(config(json!({})));
    let cookie = sign_in(&io).session_cookie.expect("a session");
    *io.store_error.borrow_mut() = Some(FlowError::Store("down".into()));
    let memory = RefCell::new(Remembered::default());
    let traced = run(current_session(&io, io.site(), Some(&cookie), &memory));
    assert_eq!(
        (traced.org.as_deref(), traced.result.err()),
        (Some("acme"), Some(FlowError::Store("down".into()))),
        "the log can name the org"
    );
}

#[test]
fn the_assertion_is_reused_for_half_its_life() {
    let io = FakeIo::new(config(json!({})));
    let cookie = sign_in(&io).session_cookie.expect("a session");
    let memory = RefCell::new(Remembered::default());
    let (handle, session) = run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    let key = handle.storage_key();
    let first = run(assertion(&io, io.site(), &key, &session, &memory)).expect("signed");
    io.now.set(NOW + ASSERTION_REUSE_SECS - 1);
    assert_eq!(run(assertion(&io, io.site(), &key, &session, &memory)).expect("reused"), first);
    io.now.set(NOW + ASSERTION_REUSE_SECS);
    assert_ne!(run(assertion(&io, io.site(), &key, &session, &memory)).expect("fresh"), first);
}
