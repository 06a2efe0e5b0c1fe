//! The orgs cached per isolate (`flows::orgs`): no read of the stored orgs while nothing
//! changes, one directory call to confirm a stored org, and never a stale org once an
//! admin change (PUT, DELETE, a console edit, a setup link's activation) was answered —
//! also in another isolate, whose copy predates the change.

use std::rc::Rc;

use serde_json::json;

use super::admin_cases::{call, idp_answers, INITECH};
use super::fake::{config, FakeIo};
use super::login_cases::params;
use super::run;
use crate::config::OrgConfig;
use crate::flows::orgs::OrgCache;
use crate::flows::{start_login, AdminAnswer, LoginStart};
use crate::routes::AdminCall;
use crate::session::store::StoreRequest;

/// The `client_id` a login for `org` (by id) or `email` (by domain) is sent with; `None`:
/// no login started.
fn login_client(io: &FakeIo, org: Option<&str>, email: Option<&str>) -> Option<String> {
    match run(start_login(io, io.site(), org, email, None)).result {
        Ok(LoginStart::ToIdp { location, .. }) => params(&location).get("client_id").cloned(),
        _ => None,
    }
}

/// Runs `f` as another isolate would: with its own copy `other`, swapped in and back out.
fn in_isolate<T>(io: &FakeIo, other: &mut OrgCache, f: impl FnOnce() -> T) -> T {
    std::mem::swap(&mut *io.org_cache.borrow_mut(), other);
    let out = f();
    std::mem::swap(&mut *io.org_cache.borrow_mut(), other);
    out
}

fn stamp_calls(io: &FakeIo) -> usize {
    io.store.borrow_mut().log.drain(..).filter(|(_, r)| matches!(r, StoreRequest::OrgStamp)).count()
}

pub(super) fn onboarded(io: &FakeIo, client_id: &str) {
    idp_answers(io, 400, "invalid_grant");
    let body = json!({"issuer": INITECH, "client_id": client_id, "client_secret": "s", "domains": ["initech.test"]}).to_string();
    assert!(matches!(call(io, AdminCall::PutOrg("initech"), Some(body.as_bytes())).result, Ok(AdminAnswer::Onboarded(_))));
}

#[test]
fn a_stored_org_is_read_once_then_confirmed_by_its_directory_alone() {
    let io = FakeIo::new(config(json!({})));
    onboarded(&io, "c3");
    // The first login reads the copy; the next pairs it with the org's stamp (one more read).
    for _ in 0..2 {
        assert_eq!(login_client(&io, Some("initech"), None).as_deref(), Some("c3"));
    }
    let reads = io.org_reads.get();
    stamp_calls(&io);
    for _ in 0..3 {
        assert_eq!(login_client(&io, Some("initech"), None).as_deref(), Some("c3"));
        assert_eq!(login_client(&io, None, Some("ann@initech.test")).as_deref(), Some("c3"));
    }
    assert_eq!(io.org_reads.get(), reads, "no read of the stored orgs while nothing changes");
    assert_eq!(stamp_calls(&io), 6, "one directory call per login of a stored org");
    assert_eq!(login_client(&io, Some("acme"), None).as_deref(), Some("client-1"));
    assert_eq!(login_client(&io, None, Some("ann@acme.test")).as_deref(), Some("client-1"));
    assert_eq!((io.org_reads.get(), stamp_calls(&io)), (reads, 0), "a static org: no call at all");
}

#[test]
fn an_admin_change_is_seen_by_the_next_login_of_an_isolate_whose_copy_predates_it() {
    let io = FakeIo::new(config(json!({})));
    onboarded(&io, "c3");
    let mut other = OrgCache::default();
    // Read, then paired with the org's stamp: from now on the other isolate uses its copy.
    for _ in 0..2 {
        assert_eq!(in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None)).as_deref(), Some("c3"));
    }
    let reads = io.org_reads.get();
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None)).as_deref(), Some("c3"));
    assert_eq!(io.org_reads.get(), reads, "the other isolate goes by its copy");
    // The change is made (and answered) in this isolate.
    onboarded(&io, "c4");
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None)).as_deref(), Some("c4"));
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, None, Some("x@initech.test"))).as_deref(), Some("c4"));
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, None, Some("x@initech.test"))).as_deref(), Some("c4"));
    // Removed: the other isolate's copy still has it, its directory says otherwise.
    assert!(matches!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Ok(AdminAnswer::Deleted(_))));
    let after = in_isolate(&io, &mut other, || run(start_login(&io, io.site(), Some("initech"), None, None)).result);
    assert!(matches!(after, Ok(LoginStart::UnknownOrg { .. })), "{after:?}");
    let by_domain = in_isolate(&io, &mut other, || run(start_login(&io, io.site(), None, Some("x@initech.test"), None)).result);
    assert!(matches!(by_domain, Ok(LoginStart::UnknownDomain { .. })), "{by_domain:?}");
}

#[test]
fn an_org_added_after_the_copy_was_read_is_found_by_reading_again() {
    let io = FakeIo::new(config(json!({})));
    let mut other = OrgCache::default();
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, Some("acme"), None)).as_deref(), Some("client-1"));
    onboarded(&io, "c3");
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None)).as_deref(), Some("c3"));
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, None, Some("x@initech.test"))).as_deref(), Some("c3"));
}

#[test]
fn a_callback_uses_the_org_as_changed_after_its_login_started() {
    let io = FakeIo::new(config(json!({})));
    onboarded(&io, "c3");
    let mut other = OrgCache::default();
    for _ in 0..2 {
        in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None));
    }
    let started = in_isolate(&io, &mut other, || run(start_login(&io, io.site(), Some("initech"), None, None)).result);
    let Ok(LoginStart::ToIdp { location, cookie_value, .. }) = started else { panic!("login did not start") };
    onboarded(&io, "c4");
    io.script(&format!("{INITECH}/token"), vec![super::fake::answer(400, &json!({"error": "invalid_grant"}))]);
    let state = params(&location)["state"].clone();
    let query = crate::flows::CallbackQuery { state: Some(&state), code: Some("code-1"), ..Default::default() };
    in_isolate(&io, &mut other, || run(crate::flows::finish_login(&io, io.site(), query, Some(&cookie_value))));
    let sent = io.sent.borrow();
    let exchange = sent.iter().rev().find(|r| r.url == format!("{INITECH}/token")).expect("a code exchange");
    let form = exchange.body.clone().unwrap_or_default();
    let auth = exchange.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).map(|(_, v)| v.clone());
    let basic_c4 = format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "c4:s"));
    assert!(form.contains("client_id=c4") || auth.as_deref() == Some(basic_c4.as_str()), "the exchange used the changed org");
}

#[test]
fn a_domain_removed_in_the_console_no_longer_routes_in_an_isolate_whose_copy_had_it() {
    let io = FakeIo::new(config(json!({"admin": {"org": "acme", "emails": ["ops@acme.test"]}})));
    let raw =
        json!({"id": "initech", "issuer": INITECH, "client_id": "c3", "client_secret": "s", "domains": ["initech.test", "initrode.test"]});
    let raw: crate::config::RawOrg = serde_json::from_value(raw).expect("org");
    run(crate::sso_state::apply(&io.state, crate::sso_state::StateRequest::PutOrg { org: Box::new(raw) })).expect("stored");
    let mut other = OrgCache::default();
    for _ in 0..2 {
        assert_eq!(in_isolate(&io, &mut other, || login_client(&io, None, Some("x@initrode.test"))).as_deref(), Some("c3"));
    }
    let view = run(crate::flows::console(&io, io.site(), "ops@acme.test", "k")).expect("console");
    let body = format!("csrf={}&action=edit_org&org=initech&domains=initech.test&default_projects=", view.csrf);
    run(crate::flows::console_action(&io, io.site(), "ops@acme.test", "k", true, body.as_bytes())).expect("edited");
    let after = in_isolate(&io, &mut other, || run(start_login(&io, io.site(), None, Some("x@initrode.test"), None)).result);
    assert!(matches!(after, Ok(LoginStart::UnknownDomain { .. })), "{after:?}");
    assert_eq!(in_isolate(&io, &mut other, || login_client(&io, None, Some("x@initech.test"))).as_deref(), Some("c3"));
}

#[test]
fn a_removal_whose_announcement_failed_is_repaired_by_its_retry() {
    let io = FakeIo::new(config(json!({})));
    onboarded(&io, "c3");
    let mut other = OrgCache::default();
    for _ in 0..2 {
        in_isolate(&io, &mut other, || login_client(&io, Some("initech"), None));
    }
    let directory = crate::session::cookie::store_name_for_org(io.keys.initial_store_name(), "initech");
    io.store.borrow_mut().unreachable.insert(directory);
    assert!(call(&io, AdminCall::DeleteOrg("initech"), None).result.is_err(), "not announced: not answered as done");
    io.store.borrow_mut().unreachable.clear();
    assert_eq!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Err(crate::flows::AdminFailure::NotFound("no such org")));
    let after = in_isolate(&io, &mut other, || run(start_login(&io, io.site(), Some("initech"), None, None)).result);
    assert!(matches!(after, Ok(LoginStart::UnknownOrg { .. })), "the retry announced it: {after:?}");
}

fn org(id: &str) -> OrgConfig {
    let raw = json!({"id": id, "issuer": "https://x.test", "client_id": "c", "client_secret": "s"});
    serde_json::from_value::<crate::config::RawOrg>(raw).expect("org").validate("org", &|_| None).expect("valid")
}

#[test]
fn a_read_begun_earlier_never_replaces_a_copy_read_later() {
    let mut cache = OrgCache::default();
    let (first, second) = (cache.begin_read(), cache.begin_read());
    let newer = Rc::new(vec![org("a"), org("b")]);
    let copy = cache.read(second, newer.clone(), Some(("b".into(), Some("s2".into()))));
    assert!(Rc::ptr_eq(&copy, &newer));
    let copy = cache.read(first, Rc::new(vec![org("a")]), Some(("a".into(), None)));
    assert!(Rc::ptr_eq(&copy, &newer), "the older read is not kept");
    assert!(cache.is_current("b", &Some("s2".into())));
    assert!(cache.is_current("a", &None), "a stamp seen before an older read holds for the newer copy");
    assert!(!cache.is_current("b", &Some("s3".into())), "another stamp: read again");
    assert!(!cache.is_current("c", &None), "a stamp never seen: read again");
    assert!(!OrgCache::default().is_current("a", &None), "no copy: nothing is current");
}
