//! The admin API: the token, onboarding with the provider check, listing, removal.

use serde_json::json;

use super::fake::{answer, config, FakeIo};
use super::run;
use crate::admin::{AdminApi, AdminError};
use crate::flows::{admin, AdminAnswer, AdminFailure, NetError, Traced};
use crate::routes::AdminCall;
use crate::session::store::StoreRequest;

pub(super) const INITECH: &str = "https://initech.idp.test";

const TOKEN: &str = "admin-token-for-the-tests-0123456789";

fn body() -> Vec<u8> {
    json!({"issuer": INITECH, "client_id": "c3", "client_secret": "s", "domains": ["initech.test"]}).to_string().into_bytes()
}

fn discovery() -> serde_json::Value {
    json!({"issuer": INITECH, "authorization_endpoint": format!("{INITECH}/authorize"), "token_endpoint": format!("{INITECH}/token"),
           "jwks_uri": format!("{INITECH}/jwks"), "response_types_supported": ["code"], "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]})
}

pub(super) fn call(io: &FakeIo, call: AdminCall<'_>, body: Option<&[u8]>) -> Traced<AdminAnswer, AdminFailure> {
    let api = AdminApi::from_token(Some(TOKEN.into()));
    run(admin(io, io.site(), &api, Some(&format!("Bearer {TOKEN}")), call, body))
}

pub(super) fn idp_answers(io: &FakeIo, token_status: u16, token_error: &str) {
    io.script(&format!("{INITECH}/.well-known/openid-configuration"), vec![answer(200, &discovery())]);
    io.script(&format!("{INITECH}/token"), vec![answer(token_status, &json!({"error": token_error}))]);
}

#[test]
fn without_an_admin_token_the_api_does_not_exist() {
    let io = FakeIo::new(config(json!({})));
    let traced = run(admin(&io, io.site(), &AdminApi::Disabled, Some("Bearer x"), AdminCall::ListOrgs, None));
    assert_eq!(traced.result, Err(AdminFailure::Disabled));
    let short = AdminApi::from_token(Some("t".repeat(31)));
    let traced = run(admin(&io, io.site(), &short, Some(&format!("Bearer {}", "t".repeat(31))), AdminCall::ListOrgs, None));
    assert_eq!(traced.result, Err(AdminFailure::TokenTooShort));
}

#[test]
fn a_missing_or_wrong_bearer_token_is_401() {
    let io = FakeIo::new(config(json!({})));
    let api = AdminApi::from_token(Some(TOKEN.into()));
    for presented in [None, Some("Bearer wrong".to_owned()), Some(TOKEN.to_owned()), Some(format!("Basic {TOKEN}"))] {
        let traced = run(admin(&io, io.site(), &api, presented.as_deref(), AdminCall::ListOrgs, None));
        assert_eq!(traced.result, Err(AdminFailure::Unauthorized), "{presented:?}");
    }
    for scheme in ["bearer", "BEARER"] {
        let traced = run(admin(&io, io.site(), &api, Some(&format!("{scheme} {TOKEN}")), AdminCall::ListOrgs, None));
        assert!(traced.result.is_ok(), "{scheme}");
    }
}

#[test]
fn onboarding_checks_the_provider_stores_the_org_and_gives_the_uris() {
    let io = FakeIo::new(config(json!({})));
    idp_answers(&io, 400, "invalid_grant");
    let traced = call(&io, AdminCall::PutOrg("initech"), Some(&body()));
    assert_eq!(traced.org.as_deref(), Some("initech"));
    let Ok(AdminAnswer::Onboarded(uris)) = traced.result else { panic!("{:?}", traced.result) };
    assert_eq!(uris.redirect_uri, "https://app.test/_sso/callback");
    assert_eq!(io.stored.borrow().len(), 1);
    let Ok(AdminAnswer::Orgs(orgs)) = call(&io, AdminCall::ListOrgs, None).result else { panic!("list") };
    let listed: Vec<_> = orgs.iter().map(|o| (o.id.as_str(), o.source)).collect();
    assert_eq!(listed, [("acme", "static"), ("globex", "static"), ("initech", "stored")]);
}

#[test]
fn onboarding_with_wrong_credentials_or_an_unreachable_issuer_is_unverifiable() {
    let io = FakeIo::new(config(json!({})));
    idp_answers(&io, 401, "invalid_client");
    let rejected = Err(AdminFailure::Refused(AdminError::Unverifiable("the identity provider rejected the client id or secret".into())));
    assert_eq!(call(&io, AdminCall::PutOrg("initech"), Some(&body())).result, rejected);
    io.script(&format!("{INITECH}/.well-known/openid-configuration"), vec![Err(NetError::Timeout)]);
    let unreachable = Err(AdminFailure::Refused(AdminError::Unverifiable("the issuer cannot be reached".into())));
    assert_eq!(call(&io, AdminCall::PutOrg("initech"), Some(&body())).result, unreachable);
    assert!(io.stored.borrow().is_empty());
}

#[test]
fn onboarding_over_a_static_org_or_its_domain_is_a_conflict() {
    let io = FakeIo::new(config(json!({})));
    let conflict = |r: Result<AdminAnswer, AdminFailure>| matches!(r, Err(AdminFailure::Refused(AdminError::Conflict(_))));
    assert!(conflict(call(&io, AdminCall::PutOrg("acme"), Some(&body())).result));
    let taken = json!({"issuer": INITECH, "client_id": "c", "client_secret": "s", "domains": ["acme.test"]}).to_string();
    assert!(conflict(call(&io, AdminCall::PutOrg("initech"), Some(taken.as_bytes())).result));
    assert_eq!(call(&io, AdminCall::PutOrg("initech"), None).result, Err(AdminFailure::NoBody));
}

#[test]
fn removing_an_org_purges_its_store_and_static_orgs_cannot_be_removed() {
    let io = FakeIo::new(config(json!({})));
    idp_answers(&io, 400, "invalid_grant");
    assert!(call(&io, AdminCall::PutOrg("initech"), Some(&body())).result.is_ok());
    assert_eq!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Ok(AdminAnswer::Deleted("initech".into())));
    assert!(io
        .store
        .borrow()
        .log
        .iter()
        .any(|(store, r)| *store == crate::session::cookie::store_name_for_org(io.keys.initial_store_name(), "initech")
            && matches!(r, StoreRequest::Purge)));
    assert_eq!(call(&io, AdminCall::DeleteOrg("initech"), None).result, Err(AdminFailure::NotFound("no such org")));
    assert_eq!(call(&io, AdminCall::DeleteOrg("Not An Id"), None).result, Err(AdminFailure::NotFound("no such org")));
    assert!(matches!(call(&io, AdminCall::DeleteOrg("acme"), None).result, Err(AdminFailure::Refused(AdminError::Conflict(_)))));
    assert_eq!(call(&io, AdminCall::Unknown, None).result, Err(AdminFailure::NotFound("No such admin route.")));
}
