//! An org with a jurisdiction (`"jurisdiction": "eu"`): every object of it (the login
//! state, the directory, its users' objects) is addressed in that jurisdiction by every
//! flow, with nothing looked up on the request path; an org without one never is; and a
//! session of a static org that moved since is no longer valid.

use std::cell::RefCell;

use serde_json::json;

use super::callback_cases::{begin, finish, id_claims, tokens};
use super::fake::{config, signed, FakeIo, KID};
use super::logout_cases::{backchannel, by_email, logout_claims, revocation_claims, universal};
use super::run;
use crate::flows::session_check::{current_session, Remembered};
use crate::flows::sign_out;
use crate::session::address::Jurisdiction;
use crate::session::cookie::SessionHandle;

/// A fake whose org `acme` lives in `jurisdiction`.
fn acme_in(jurisdiction: Option<Jurisdiction>) -> FakeIo {
    let mut config = config(json!({}));
    config.orgs[0].jurisdiction = jurisdiction;
    FakeIo::new(config)
}

/// A login of `u1` at acme; its session cookie.
fn sign_in(io: &FakeIo) -> String {
    let started = begin(io, "acme");
    tokens(io, &signed(&id_claims(&started.nonce), Some(KID), None));
    finish(io, &started, Some("code-1")).result.expect("signed in").session_cookie.expect("a session")
}

/// The objects called since the log was last cleared (`eu/…` for those in the EU).
fn calls(io: &FakeIo) -> Vec<String> {
    io.store.borrow_mut().log.drain(..).map(|(name, _)| name).collect()
}

fn all_in_eu(calls: &[String]) -> bool {
    !calls.is_empty() && calls.iter().all(|c| c.starts_with("eu/"))
}

#[test]
fn every_object_of_an_eu_org_is_addressed_in_the_eu() {
    let io = acme_in(Some(Jurisdiction::Eu));
    let cookie = sign_in(&io);
    let login = calls(&io);
    assert!(all_in_eu(&login) && login.len() == 3, "state, directory, user object: {login:?}");
    let handle = SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie");
    assert_eq!(handle.store_address().jurisdiction, Some(Jurisdiction::Eu), "the cookie alone addresses the user object");

    let memory = RefCell::new(Remembered::default());
    assert!(run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").is_some());
    assert_eq!(calls(&io), [login[2].clone()], "one call per request, to the user's object in the EU");

    assert_eq!(backchannel(&io, &logout_claims()).result, Ok(1));
    assert!(all_in_eu(&calls(&io)), "back-channel logout: directory and user object in the EU");
    sign_in(&io);
    calls(&io);
    assert_eq!(universal(&io, &revocation_claims(), Some(&by_email("ann@acme.test"))).result, Ok(()));
    assert!(all_in_eu(&calls(&io)), "Universal Logout: directory and user object in the EU");
    let cookie = sign_in(&io);
    calls(&io);
    let handle = SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie");
    run(sign_out(&io, io.site(), Some(handle))).result.expect("signed out");
    assert!(all_in_eu(&calls(&io)), "sign-out: the user object in the EU");
    assert!(run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").is_none());
}

#[test]
fn no_object_of_an_org_without_jurisdiction_is_addressed_in_one() {
    let io = acme_in(None);
    let cookie = sign_in(&io);
    let memory = RefCell::new(Remembered::default());
    run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    assert_eq!(backchannel(&io, &logout_claims()).result, Ok(1));
    let called = calls(&io);
    assert!(called.len() >= 6 && called.iter().all(|c| !c.contains('/')), "{called:?}");
    assert_eq!(SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie").store_address().jurisdiction, None);
}

#[test]
fn a_session_of_a_static_org_that_moved_to_another_jurisdiction_is_no_longer_valid() {
    let mut io = acme_in(None);
    let cookie = sign_in(&io);
    io.config.orgs[0].jurisdiction = Some(Jurisdiction::Eu);
    let memory = RefCell::new(Remembered::default());
    assert!(run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").is_none());
    io.config.orgs[0].jurisdiction = None;
    assert!(run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").is_some(), "and back: valid again");
}
