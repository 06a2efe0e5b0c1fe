//! Sessions in per-user objects: which object each step calls (one per authenticated
//! request, the directory only on login and logout paths), revocation across user
//! objects with the `jti` released when one cannot be reached, the revocation
//! watermark against logins in flight, and `max_per_user`.

use std::cell::RefCell;

use serde_json::{json, Value};

use super::callback_cases::{begin, finish, tokens};
use super::fake::{answer, config, signed, FakeIo, ISSUER, KID, NOW, ORIGIN_PROVISION_URL};
use super::logout_cases::{backchannel, by_email, logout_claims, revocation_claims, universal};
use super::run;
use crate::flows::session_check::{current_session, Remembered};
use crate::flows::{FlowError, SignedIn, UniversalLogoutFailure};
use crate::session::cookie::{store_name_for_org, user_object_name, SessionHandle};
use crate::session::store::StoreRequest;

/// A login of `sub` (with `email` and IdP session `sid`) at acme, its ID token issued at `iat`.
fn sign_in_as(io: &FakeIo, sub: &str, email: &str, sid: &str, iat: u64) -> Result<SignedIn, FlowError> {
    let started = begin(io, "acme");
    let claims = json!({"iss": ISSUER, "aud": "client-1", "sub": sub, "email": email, "name": "N", "sid": sid,
                        "iat": iat, "exp": iat + 300, "nonce": started.nonce});
    tokens(io, &signed(&claims, Some(KID), None));
    finish(io, &started, Some("code-1")).result
}

fn user_object(io: &FakeIo, sub: &str) -> String {
    user_object_name(io.keys.initial_store_name(), "acme", sub)
}

fn directory(io: &FakeIo) -> String {
    store_name_for_org(io.keys.initial_store_name(), "acme")
}

/// The objects called since the log was last cleared, in order.
fn calls(io: &FakeIo) -> Vec<String> {
    io.store.borrow_mut().log.drain(..).map(|(name, _)| name).collect()
}

fn live(io: &FakeIo, sub: &str) -> usize {
    let name = user_object(io, sub);
    io.store.borrow().sessions.values().filter(|(object, _)| *object == name).count()
}

fn iss_sub(sub: &str) -> Vec<u8> {
    json!({"sub_id": {"format": "iss_sub", "iss": ISSUER, "sub": sub}}).to_string().into_bytes()
}

#[test]
fn a_session_lives_in_its_users_object_and_a_request_calls_only_that_object() {
    let io = FakeIo::new(config(json!({})));
    let cookie = sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    let login = calls(&io);
    assert_eq!(login.len(), 3, "login state, directory, user object: {login:?}");
    assert!(login[0].starts_with('s') && login[0] != directory(&io), "the state has an object of its own");
    assert_eq!(login[1..], [directory(&io), user_object(&io, "u1")]);
    let handle = SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie");
    assert_eq!(handle.store_name(), user_object(&io, "u1"));
    let memory = RefCell::new(Remembered::default());
    for _ in 0..3 {
        run(current_session(&io, io.site(), Some(&cookie), &memory)).result.expect("ok").expect("session");
    }
    assert_eq!(calls(&io), vec![user_object(&io, "u1"); 3], "exactly one call per request, to the user's object");
}

#[test]
fn two_logins_of_the_org_never_share_a_login_state_object() {
    let io = FakeIo::new(config(json!({})));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    let first = calls(&io)[0].clone();
    sign_in_as(&io, "u2", "bob@acme.test", "sid-2", NOW).expect("signed in");
    assert_ne!(calls(&io)[0], first);
}

#[test]
fn universal_logout_by_email_calls_the_directory_once_and_each_users_object_once() {
    let io = FakeIo::new(config(json!({})));
    for _ in 0..2 {
        sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    }
    sign_in_as(&io, "u2", "ANN@acme.test", "sid-2", NOW).expect("signed in");
    sign_in_as(&io, "u3", "carl@acme.test", "sid-3", NOW).expect("signed in");
    calls(&io);
    assert_eq!(universal(&io, &revocation_claims(), Some(&by_email("ann@acme.test"))).result, Ok(()));
    let mut called = calls(&io);
    assert_eq!(called.remove(0), directory(&io));
    called.sort();
    let mut expected = vec![user_object(&io, "u1"), user_object(&io, "u2")];
    expected.sort();
    assert_eq!(called, expected);
    assert_eq!((live(&io, "u1"), live(&io, "u2"), live(&io, "u3")), (0, 0, 1));
}

#[test]
fn an_unreachable_user_object_makes_universal_logout_422_and_the_retry_succeeds() {
    let io = FakeIo::new(config(json!({})));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    sign_in_as(&io, "u2", "ann@acme.test", "sid-2", NOW).expect("signed in");
    io.store.borrow_mut().unreachable.insert(user_object(&io, "u2"));
    let body = by_email("ann@acme.test");
    assert!(matches!(universal(&io, &revocation_claims(), Some(&body)).result, Err(UniversalLogoutFailure::NotRevoked(_))));
    assert_eq!(live(&io, "u2"), 1);
    io.store.borrow_mut().unreachable.clear();
    assert_eq!(universal(&io, &revocation_claims(), Some(&body)).result, Ok(()), "the same jti is accepted again");
    assert_eq!((live(&io, "u1"), live(&io, "u2")), (0, 0));
    let replay = universal(&io, &revocation_claims(), Some(&body)).result;
    assert!(matches!(replay, Err(UniversalLogoutFailure::Refused(_))), "once done, the jti is burnt");
}

#[test]
fn an_unreachable_directory_makes_universal_logout_503_and_changes_nothing() {
    let io = FakeIo::new(config(json!({})));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    io.store.borrow_mut().unreachable.insert(directory(&io));
    let result = universal(&io, &revocation_claims(), Some(&by_email("ann@acme.test"))).result;
    assert!(matches!(result, Err(UniversalLogoutFailure::Unavailable(_))), "{result:?}");
    assert_eq!(live(&io, "u1"), 1);
}

#[test]
fn backchannel_by_sid_alone_finds_the_users_through_the_directory() {
    let io = FakeIo::new(config(json!({})));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    sign_in_as(&io, "u1", "ann@acme.test", "sid-9", NOW).expect("signed in");
    sign_in_as(&io, "u2", "bob@acme.test", "sid-2", NOW).expect("signed in");
    calls(&io);
    assert_eq!(backchannel(&io, &logout_claims()).result, Ok(1));
    assert_eq!(calls(&io), [directory(&io), user_object(&io, "u1")]);
    assert_eq!((live(&io, "u1"), live(&io, "u2")), (1, 1), "only the sessions of sid-1 ended");
}

#[test]
fn backchannel_with_an_unreachable_user_object_fails_and_its_retry_is_accepted() {
    let io = FakeIo::new(config(json!({})));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    io.store.borrow_mut().unreachable.insert(user_object(&io, "u1"));
    assert!(backchannel(&io, &logout_claims()).result.is_err());
    io.store.borrow_mut().unreachable.clear();
    assert_eq!(backchannel(&io, &logout_claims()).result, Ok(1));
}

#[test]
fn a_login_in_flight_during_a_logout_by_the_idp_creates_no_session() {
    let io = FakeIo::new(config(json!({"provisioning": {"url": ORIGIN_PROVISION_URL}})));
    io.script(ORIGIN_PROVISION_URL, vec![answer(200, &json!({}))]);
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in");
    // The logout answers at NOW + 5; a login whose ID token was issued at NOW + 4 was in flight.
    io.now.set(NOW + 5);
    assert_eq!(universal(&io, &revocation_claims_at(NOW + 5), Some(&iss_sub("u1"))).result, Ok(()));
    assert_eq!(sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW + 4).err(), Some(FlowError::LoggedOutDuringLogin));
    assert_eq!(live(&io, "u1"), 0);
    // A login after the logout is not refused.
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW + 5).expect("signed in again");
    assert_eq!(live(&io, "u1"), 1);
}

#[test]
fn a_backchannel_logout_by_sub_refuses_logins_in_flight_but_one_by_sid_does_not() {
    let io = FakeIo::new(config(json!({})));
    io.now.set(NOW + 5);
    let mut by_sid = logout_claims();
    by_sid["iat"] = json!(NOW + 5);
    assert_eq!(backchannel(&io, &by_sid).result, Ok(0));
    sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW + 4).expect("a logout by sid sets no watermark");
    let mut by_sub = logout_claims();
    by_sub.as_object_mut().map(|c| c.remove("sid"));
    by_sub["sub"] = json!("u1");
    by_sub["jti"] = json!("bcl-2");
    by_sub["iat"] = json!(NOW + 5);
    assert_eq!(backchannel(&io, &by_sub).result, Ok(1));
    assert_eq!(sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW + 4).err(), Some(FlowError::LoggedOutDuringLogin));
}

#[test]
fn a_login_beyond_max_per_user_ends_the_least_recently_used_session() {
    let io = FakeIo::new(config(json!({"session": {"max_per_user": 2}})));
    let memory = RefCell::new(Remembered::default());
    let first = sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    let second = sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    // The first is used again: the second is now the least recently used.
    run(current_session(&io, io.site(), Some(&first), &memory)).result.expect("ok").expect("session");
    let third = sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    let valid = |cookie: &str| run(current_session(&io, io.site(), Some(cookie), &memory)).result.expect("ok").is_some();
    assert_eq!((valid(&first), valid(&second), valid(&third)), (true, false, true));
    sign_in_as(&io, "u2", "bob@acme.test", "sid-2", NOW).expect("another user has a bound of their own");
    assert_eq!(live(&io, "u1"), 2);
}

fn revocation_claims_at(iat: u64) -> Value {
    let mut claims = revocation_claims();
    claims["iat"] = json!(iat);
    claims["nbf"] = json!(iat);
    claims["exp"] = json!(iat + 300);
    claims
}

#[test]
fn removing_an_org_ends_the_sessions_of_every_user_then_forgets_the_directory() {
    let io = FakeIo::new(config(json!({})));
    for sub in ["u1", "u2", "u3"] {
        sign_in_as(&io, sub, &format!("{sub}@acme.test"), "sid-1", NOW).expect("signed in");
    }
    calls(&io);
    assert_eq!(run(crate::flows::revocation::revoke_everyone(&io, "acme", None)), Ok(3));
    let called = calls(&io);
    assert_eq!((called.len(), called[0].as_str()), (4, directory(&io).as_str()));
    assert_eq!(io.store.borrow().sessions.len(), 0);
    assert!(io.store.borrow().log.iter().all(|(_, r)| !matches!(r, StoreRequest::Touch { .. })));
}

#[test]
fn removing_an_org_with_more_users_than_one_directory_page_ends_them_all() {
    let io = FakeIo::new(config(json!({})));
    let cookie = sign_in_as(&io, "u-template", "t@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    let handle = SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie");
    let template = io.store.borrow().sessions[&handle.storage_key()].1.clone();
    let users = crate::session::tables::MAX_RESOLVED + 5;
    {
        let mut store = io.store.borrow_mut();
        for i in 0..users {
            let sub = format!("bulk-{i:05}");
            store.users.insert((directory(&io), sub.clone()), None);
            store.sessions.insert(format!("key-{i}"), (user_object(&io, &sub), template.clone()));
        }
    }
    calls(&io);
    assert_eq!(run(crate::flows::revocation::revoke_everyone(&io, "acme", None)), Ok(users as u64 + 1));
    assert_eq!(calls(&io).iter().filter(|name| **name == directory(&io)).count(), 2, "two directory pages");
    assert!(io.store.borrow().sessions.is_empty());
}

#[test]
fn a_removal_stopped_by_an_unreachable_user_object_is_finished_by_its_retry() {
    use super::admin_cases::call;
    use crate::flows::{AdminAnswer, AdminFailure};
    use crate::routes::AdminCall;
    let io = FakeIo::new(config(json!({})));
    super::org_cache_cases::onboarded(&io, "c3");
    // A user of the stored org with a live session (a record like any other, in their object).
    let cookie = sign_in_as(&io, "u-template", "t@acme.test", "sid-1", NOW).expect("signed in").session_cookie.expect("a session");
    let template =
        io.store.borrow().sessions[&SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie").storage_key()].1.clone();
    let key = *io.keys.initial_store_name();
    let (initech_directory, erin) = (store_name_for_org(&key, "initech"), user_object_name(&key, "initech", "erin"));
    io.store.borrow_mut().users.insert((initech_directory.clone(), "erin".into()), None);
    io.store.borrow_mut().sessions.insert("erin-1".into(), (erin.clone(), template));

    io.store.borrow_mut().unreachable.insert(erin.clone());
    let first = call(&io, AdminCall::DeleteOrg("initech"), None).result;
    assert!(matches!(first, Err(AdminFailure::Failed(_))), "not every session ended: not answered as done: {first:?}");
    assert!(io.store.borrow().sessions.contains_key("erin-1"));

    io.store.borrow_mut().unreachable.clear();
    calls(&io);
    assert_eq!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Err(AdminFailure::NotFound("no such org")));
    assert!(!io.store.borrow().sessions.contains_key("erin-1"), "the retry ended her session");
    let purged = io.store.borrow().log.iter().any(|(name, r)| *name == initech_directory && matches!(r, StoreRequest::Purge));
    assert!(purged, "and the directory forgot the org");
    assert!(!matches!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Ok(AdminAnswer::Deleted(_))));
}

#[test]
fn a_user_lists_and_ends_their_own_sessions_only() {
    use crate::flows::{end_own_sessions, list_sessions, EndedOwn};
    let io = FakeIo::new(config(json!({})));
    let handle = |cookie: String| SessionHandle::decode(&cookie, io.keys.session_cookie()).expect("cookie");
    let other_device = handle(sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("in").session_cookie.expect("a session"));
    let here = handle(sign_in_as(&io, "u1", "ann@acme.test", "sid-1", NOW).expect("in").session_cookie.expect("a session"));
    let stranger = handle(sign_in_as(&io, "u2", "bob@acme.test", "sid-2", NOW).expect("in").session_cookie.expect("a session"));
    let listed = run(list_sessions(&io, &here)).expect("listed");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let strangers_id = run(list_sessions(&io, &stranger)).expect("listed")[0].id.clone();
    assert_eq!(run(end_own_sessions(&io, &here, &strangers_id)), Ok(EndedOwn::NotFound), "another user's id");
    assert_eq!(live(&io, "u2"), 1);
    assert_eq!(run(end_own_sessions(&io, &here, "others")), Ok(EndedOwn::Ended { sessions: 1, current: false }));
    let memory = RefCell::new(Remembered::default());
    let other_cookie = other_device.encode(io.keys.session_cookie());
    assert!(run(current_session(&io, io.site(), Some(&other_cookie), &memory)).result.expect("ok").is_none());
    let mine = run(list_sessions(&io, &here)).expect("listed")[0].id.clone();
    assert_eq!(run(end_own_sessions(&io, &here, &mine)), Ok(EndedOwn::Ended { sessions: 1, current: true }));
    assert_eq!(run(end_own_sessions(&io, &here, &"x".repeat(65))), Ok(EndedOwn::NotFound));
}
