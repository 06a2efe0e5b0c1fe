//! `start_login`: which org, and the authorization request with its login-state cookie.

use serde_json::json;
use url::Url;

use super::fake::{config, idp_down, FakeIo, ISSUER, NOW};
use super::run;
use crate::flows::{start_login, FlowError, LoginStart};
use crate::login::LoginState;

/// The parameters of an authorization request.
pub(super) fn params(location: &str) -> std::collections::HashMap<String, String> {
    Url::parse(location).expect("url").query_pairs().into_owned().collect()
}

#[test]
fn login_for_a_named_org_goes_to_its_idp_with_pkce_and_a_state_cookie() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(start_login(&io, io.site(), Some("acme"), None, Some("/reports?q=1")));
    assert_eq!(traced.org.as_deref(), Some("acme"));
    let Ok(LoginStart::ToIdp { location, cookie_name, cookie_value }) = traced.result else { panic!("expected a redirect") };
    assert!(location.starts_with(&format!("{ISSUER}/authorize?")), "{location}");
    let p = params(&location);
    assert_eq!(p["client_id"], "client-1");
    assert_eq!(p["redirect_uri"], "https://app.test/_sso/callback");
    assert_eq!(p["code_challenge_method"], "S256");
    assert!(!p.contains_key("code_verifier"), "the verifier never leaves the cookie");
    assert_eq!(cookie_name, LoginState::cookie_name(&p["state"]));
    let state = LoginState::decode(Some(&cookie_value), &p["state"], io.keys.login_cookie(), NOW).expect("cookie");
    assert_eq!((state.org.as_str(), state.return_to.as_str()), ("acme", "/reports?q=1"));
    assert!(state.nonce.matches(&p["nonce"]));
}

#[test]
fn login_by_email_domain_chooses_that_org_and_sends_the_login_hint() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(start_login(&io, io.site(), None, Some("  bob@globex.test "), None));
    assert_eq!(traced.org.as_deref(), Some("globex"));
    let Ok(LoginStart::ToIdp { location, .. }) = traced.result else { panic!("expected a redirect") };
    assert_eq!(params(&location)["login_hint"], "bob@globex.test");
}

#[test]
fn login_with_nothing_to_go_by_asks_for_the_email() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(start_login(&io, io.site(), None, None, Some("https://evil.test/")));
    assert_eq!(traced.result.expect("page"), LoginStart::AskForEmail { return_to: "/".into() });
    assert!(io.sent.borrow().is_empty());
}

#[test]
fn login_for_an_unknown_domain_an_invalid_email_or_an_unknown_org_shows_the_form_again() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(start_login(&io, io.site(), None, Some("eve@nowhere.test"), None));
    assert_eq!(traced.result.expect("page"), LoginStart::UnknownDomain { return_to: "/".into(), email: Some("eve@nowhere.test".into()) });
    let traced = run(start_login(&io, io.site(), None, Some("notanemail"), None));
    assert_eq!(traced.result.expect("page"), LoginStart::InvalidEmail { return_to: "/".into(), email: Some("notanemail".into()) });
    let traced = run(start_login(&io, io.site(), Some("initech"), None, None));
    assert_eq!(traced.result.expect("page"), LoginStart::UnknownOrg { return_to: "/".into(), email: None });
    assert_eq!(traced.org, None);
}

#[test]
fn login_while_the_idp_is_down_fails_naming_the_org() {
    let io = FakeIo::new(config(json!({})));
    *io.metadata_error.borrow_mut() = Some(idp_down());
    let traced = run(start_login(&io, io.site(), Some("acme"), None, None));
    assert_eq!(traced.org.as_deref(), Some("acme"));
    assert_eq!(traced.result.unwrap_err(), idp_down());
}

#[test]
fn login_while_the_orgs_cannot_be_read_fails() {
    let io = FakeIo::new(config(json!({})));
    *io.orgs_error.borrow_mut() = Some(FlowError::Store("state object down".into()));
    let traced = run(start_login(&io, io.site(), Some("acme"), None, None));
    assert_eq!(traced.result.unwrap_err(), FlowError::Store("state object down".into()));
}
