//! Setup links: creating one, the wizard's steps (credentials checked as the admin API
//! checks them, the test sign-in through the callback, DNS verification, activation),
//! CSRF and same-origin refusals, and the console's access rule and actions.

use serde_json::json;

use super::callback_cases::id_claims;
use super::fake::{answer, config, signed, FakeIo, KID, NOW};
use super::login_cases::params;
use super::run;
use crate::flows::{
    console, console_access, console_action, create_invitation, finish_login, setup_action, setup_page, CallbackQuery, ConsoleAccess,
    ConsoleFailure, InvitationFailure, LoginStart, Notice, SetupFailure, SetupOutcome,
};
use crate::session::store::StoreRequest;
use crate::setup::{new_invitation, Step};
use crate::sso_state::{StateRequest, StateResponse};
use crate::user::User;

const INITECH: &str = "https://initech.idp.test";
const DOH: &str = "https://cloudflare-dns.com/dns-query";

fn invite(io: &FakeIo) -> String {
    let new = new_invitation("initech", &["initech.test".into()], &["tps".into()], None).expect("valid");
    let created = run(create_invitation(io, io.site(), new)).expect("created");
    assert!(created.url.starts_with("https://app.test/_sso/setup/"));
    created.url.rsplit('/').next().expect("token").to_owned()
}

fn idp(io: &FakeIo, token_status: u16, token_error: &str) {
    let discovery = json!({"issuer": INITECH, "authorization_endpoint": format!("{INITECH}/authorize"),
        "token_endpoint": format!("{INITECH}/token"), "jwks_uri": format!("{INITECH}/jwks"),
        "response_types_supported": ["code"], "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]});
    io.script(&format!("{INITECH}/.well-known/openid-configuration"), vec![answer(200, &discovery)]);
    io.script(&format!("{INITECH}/token"), vec![answer(token_status, &json!({"error": token_error}))]);
}

fn post(io: &FakeIo, token: &str, fields: &[(&str, &str)]) -> Result<SetupOutcome, SetupFailure> {
    let csrf = run(setup_page(io, io.site(), token)).result.expect("page").csrf;
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf", &csrf);
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    run(setup_action(io, io.site(), token, true, form.finish().as_bytes())).result
}

fn step(io: &FakeIo, token: &str) -> Step {
    run(setup_page(io, io.site(), token)).result.expect("page").invitation.step()
}

fn credentials(io: &FakeIo, token: &str, secret: &str) -> Result<SetupOutcome, SetupFailure> {
    post(io, token, &[("action", "credentials"), ("issuer", INITECH), ("client_id", "c3"), ("client_secret", secret)])
}

/// The test sign-in of `email`: start, then the callback with an ID token for them.
fn test_sign_in(io: &FakeIo, token: &str, email: &str) -> crate::flows::SignedIn {
    let Ok(SetupOutcome::ToIdp(LoginStart::ToIdp { location, cookie_value, .. })) = post(io, token, &[("action", "test_sign_in")]) else {
        panic!("no redirect to the IdP")
    };
    assert!(location.starts_with(&format!("{INITECH}/authorize?")));
    let p = params(&location);
    let mut claims = id_claims(&p["nonce"]);
    claims["iss"] = json!(INITECH);
    claims["aud"] = json!("c3");
    claims["email"] = json!(email);
    io.script(
        &format!("{INITECH}/token"),
        vec![answer(200, &json!({"id_token": signed(&claims, Some(KID), None), "access_token": "at", "token_type": "Bearer"}))],
    );
    let query = CallbackQuery { state: Some(&p["state"]), code: Some("code-1"), iss: None, error: None, user_agent: None, country: None };
    run(finish_login(io, io.site(), query, Some(&cookie_value))).result.expect("back to the wizard")
}

fn doh(io: &FakeIo, domain: &str, value: &str) {
    let url = format!("{DOH}?name=_edge-sso-challenge.{domain}&type=TXT");
    io.script(&url, vec![answer(200, &json!({"Status": 0, "Answer": [{"name": "x", "type": 16, "data": format!("\"{value}\"")}]}))]);
}

#[test]
fn the_wizard_goes_from_credentials_to_a_live_org_and_spends_the_link() {
    let io = FakeIo::new(config(json!({})));
    let token = invite(&io);
    assert_eq!(step(&io, &token), Step::ExpectCredentials);

    idp(&io, 401, "invalid_client");
    let Ok(SetupOutcome::Page(page, 422)) = credentials(&io, &token, "wrong") else { panic!("wrong secret accepted") };
    assert!(page.error.as_deref().is_some_and(|e| e.contains("client id or secret")));
    assert_eq!(step(&io, &token), Step::ExpectCredentials, "nothing saved");

    idp(&io, 400, "invalid_grant");
    assert!(matches!(credentials(&io, &token, "right"), Ok(SetupOutcome::Saved(_))));
    assert_eq!(step(&io, &token), Step::ExpectTestSignIn);

    let back = test_sign_in(&io, &token, "mallory@elsewhere.test");
    assert_eq!((back.session_cookie, back.return_to), (None, format!("/_sso/setup/{token}")));
    let view = run(setup_page(&io, io.site(), &token)).result.expect("page");
    assert!(view.invitation.progress.test_error.as_deref().is_some_and(|e| e.contains("not in the domains")));
    assert_eq!(view.invitation.step(), Step::ExpectTestSignIn);
    assert!(test_sign_in(&io, &token, "erin@initech.test").session_cookie.is_none(), "a test creates no session");
    assert_eq!(step(&io, &token), Step::ExpectDomainVerification);
    assert!(io.store.borrow().sessions.is_empty());

    let value = run(setup_page(&io, io.site(), &token)).result.expect("page").invitation.challenges[0].record_value();
    doh(&io, "initech.test", "edge-sso-verification=nope");
    assert!(matches!(post(&io, &token, &[("action", "verify_domain"), ("domain", "initech.test")]), Ok(SetupOutcome::Saved(_))));
    assert_eq!(step(&io, &token), Step::ExpectDomainVerification, "a wrong value verifies nothing");
    doh(&io, "initech.test", &value);
    post(&io, &token, &[("action", "verify_domain"), ("domain", "initech.test")]).expect("verified");
    assert_eq!(step(&io, &token), Step::ReadyToActivate);

    assert!(matches!(post(&io, &token, &[("action", "activate")]), Ok(SetupOutcome::Activated(org)) if org == "initech"));
    assert_eq!(run(setup_page(&io, io.site(), &token)).result.err(), Some(SetupFailure::NotFound), "spent");
    let Ok(StateResponse::Orgs { orgs, claims }) = run(crate::sso_state::apply(&io.state, StateRequest::ListOrgs)) else { panic!() };
    assert_eq!((orgs[0].id.as_str(), orgs[0].default_projects.clone()), ("initech", vec!["tps".to_owned()]));
    assert!(claims[0].challenges[0].verified_at == Some(NOW));
    let directory = crate::session::cookie::store_name_for_org(io.keys.initial_store_name(), "initech");
    let announced = io.store.borrow().log.iter().any(|(s, r)| *s == directory && matches!(r, StoreRequest::SetOrgStamp { .. }));
    assert!(announced, "the activation is announced to the org's directory (every isolate's next login sees it)");
    let login = run(crate::flows::start_login(&io, io.site(), None, Some("erin@initech.test"), None)).result;
    assert!(matches!(login, Ok(LoginStart::ToIdp { .. })), "live for the next login: {login:?}");
}

#[test]
fn an_unassigned_user_is_explained() {
    let io = FakeIo::new(config(json!({})));
    let token = invite(&io);
    idp(&io, 400, "invalid_grant");
    credentials(&io, &token, "right").expect("saved");
    let Ok(SetupOutcome::ToIdp(LoginStart::ToIdp { location, cookie_value, .. })) = post(&io, &token, &[("action", "test_sign_in")]) else {
        panic!()
    };
    let state = params(&location)["state"].clone();
    let query = CallbackQuery { state: Some(&state), code: None, iss: None, error: Some("access_denied"), user_agent: None, country: None };
    run(finish_login(&io, io.site(), query, Some(&cookie_value))).result.expect("back to the wizard");
    let view = run(setup_page(&io, io.site(), &token)).result.expect("page");
    assert!(view.invitation.progress.test_error.as_deref().is_some_and(|e| e.contains("not assigned")));
}

#[test]
fn cross_origin_or_csrf_less_posts_and_dead_links_change_nothing() {
    let io = FakeIo::new(config(json!({})));
    let token = invite(&io);
    let body = b"action=credentials&issuer=https%3A%2F%2Fx.test&client_id=c&client_secret=s";
    assert_eq!(run(setup_action(&io, io.site(), &token, false, body)).result.err(), Some(SetupFailure::Forbidden));
    assert_eq!(run(setup_action(&io, io.site(), &token, true, body)).result.err(), Some(SetupFailure::Forbidden), "no csrf");
    let forged = [body.as_slice(), b"&csrf=00000000000000000000000000000000"].concat();
    assert_eq!(run(setup_action(&io, io.site(), &token, true, &forged)).result.err(), Some(SetupFailure::Forbidden));
    assert_eq!(step(&io, &token), Step::ExpectCredentials);
    for dead in ["x", &"A".repeat(43), &token[1..]] {
        assert_eq!(run(setup_page(&io, io.site(), dead)).result.err(), Some(SetupFailure::NotFound), "{dead}");
    }
    io.now.set(NOW + 7 * 86_400);
    assert_eq!(run(setup_page(&io, io.site(), &token)).result.err(), Some(SetupFailure::NotFound), "expired");
}

#[test]
fn invitations_for_static_orgs_or_their_domains_are_conflicts() {
    let io = FakeIo::new(config(json!({})));
    for (org, domain) in [("acme", "new.test"), ("new", "globex.test")] {
        let new = new_invitation(org, &[domain.into()], &[], None).expect("valid");
        assert!(matches!(run(create_invitation(&io, io.site(), new)), Err(InvitationFailure::Refused(e)) if e.status() == 409));
    }
}

fn user(org: &str, email: &str) -> User {
    User {
        org: org.into(),
        issuer: "x".into(),
        subject: "s".into(),
        email: Some(email.into()),
        name: None,
        given_name: None,
        family_name: None,
    }
}

#[test]
fn the_console_is_for_listed_members_of_the_admin_org_only() {
    let without = FakeIo::new(config(json!({})));
    assert_eq!(console_access(without.site(), Some(&user("acme", "ops@acme.test"))), ConsoleAccess::Disabled);
    let io = FakeIo::new(config(json!({"admin": {"org": "acme", "emails": ["Ops@Acme.test"]}})));
    assert_eq!(console_access(io.site(), None), ConsoleAccess::SignIn);
    assert_eq!(console_access(io.site(), Some(&user("acme", "OPS@acme.test"))), ConsoleAccess::Allowed("ops@acme.test".into()));
    assert_eq!(console_access(io.site(), Some(&user("acme", "ann@acme.test"))), ConsoleAccess::Forbidden);
    assert_eq!(console_access(io.site(), Some(&user("globex", "ops@acme.test"))), ConsoleAccess::Forbidden, "same email, other org");
}

#[test]
fn console_actions_need_the_pages_token_and_report_what_they_did() {
    let io = FakeIo::new(config(json!({"admin": {"org": "acme", "emails": ["ops@acme.test"]}})));
    let view = run(console(&io, io.site(), "ops@acme.test", "session-key")).expect("console");
    assert_eq!(view.orgs.len(), 2);
    assert!(view.orgs.iter().all(|o| o.summary.source == "static" && o.domains.iter().all(|(_, verified, _)| *verified)));
    let form =
        |csrf: &str| format!("csrf={csrf}&action=create_invitation&org=initech&domains=initech.test%2C+initrode.test&expires_in_days=3");
    let act = |body: String, same_origin: bool, key: &str| {
        run(console_action(&io, io.site(), "ops@acme.test", key, same_origin, body.as_bytes()))
    };
    assert_eq!(act(form(&view.csrf), false, "session-key").err(), Some(ConsoleFailure::Forbidden), "cross-origin");
    assert_eq!(act(form(&view.csrf), true, "another-session").err(), Some(ConsoleFailure::Forbidden), "another session's token");
    let done = act(form(&view.csrf), true, "session-key").expect("created");
    assert!(matches!(&done.notice, Some((Notice::Invited { org, url }, 200)) if org == "initech" && url.contains("/_sso/setup/")));
    assert_eq!(done.invitations.len(), 1);
    assert_eq!(done.invitations[0].expires_at, NOW + 3 * 86_400);
    let again = act(form(&view.csrf), true, "session-key").expect("page");
    assert!(matches!(again.notice, Some((Notice::Refused(_), 409))));
    let withdrawn = act(format!("csrf={}&action=withdraw_invitation&org=initech", view.csrf), true, "session-key").expect("page");
    assert!(matches!(withdrawn.notice, Some((Notice::Done(_), 200))) && withdrawn.invitations.is_empty());
    let removed = act(format!("csrf={}&action=remove_org&org=acme", view.csrf), true, "session-key").expect("page");
    assert!(matches!(removed.notice, Some((Notice::Refused(_), 409))), "a static org is not removed");
}

#[test]
fn ending_a_users_sessions_by_email_ends_them_in_the_org_of_the_domain() {
    let io = FakeIo::new(config(json!({"admin": {"org": "acme", "emails": ["ops@acme.test"]}})));
    super::callback_cases::sign_in(&io);
    assert_eq!(io.store.borrow().sessions.len(), 1);
    let csrf = run(console(&io, io.site(), "ops@acme.test", "k")).expect("console").csrf;
    let body = format!("csrf={csrf}&action=end_user_sessions&email=ANN%40acme.test");
    let view = run(console_action(&io, io.site(), "ops@acme.test", "k", true, body.as_bytes())).expect("page");
    assert!(matches!(view.notice, Some((Notice::Done(ref text), 200)) if text.starts_with("1 session(s)")), "{:?}", view.notice);
    assert!(io.store.borrow().sessions.is_empty());
}
