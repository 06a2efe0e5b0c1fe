//! `GET /_sso/login`: choose the org, then send the browser to its IdP.

use std::collections::HashMap;

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::{cookies, idp, runtime, Ctx};
use crate::login::notice::{self, NOTICE_COOKIE};
use crate::login::{
    authorization_url, choose_org, safe_return_to, LoginSecrets, LoginState, OrgChoice, LOGIN_STATE_TTL_SECS, MAX_EMAIL_LEN,
};
use crate::pages::{discovery_form, FormMessage};

/// Query parameters of a request, first value of each (bounded).
pub(crate) fn query(req: &Request) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(url) = req.url() {
        for (k, v) in url.query_pairs().take(32) {
            out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
    }
    out
}

pub(crate) async fn start(ctx: &Ctx<'_>, req: &Request) -> Response {
    // A notice waiting for this page (e.g. "your session has ended") is shown once.
    let notice = cookies::read(req, NOTICE_COOKIE);
    let mut response = choose(ctx, req, notice::message(notice.as_deref())).await;
    if notice.is_some() {
        response = answer::with_cookies(response, &[cookies::clear(NOTICE_COOKIE, "/_sso/login", ctx.secure())]);
    }
    response
}

async fn choose(ctx: &Ctx<'_>, req: &Request, notice: Option<&str>) -> Response {
    let brand = &ctx.settings.config.branding;
    let q = query(req);
    let return_to = safe_return_to(q.get("return_to").map(String::as_str));
    let email = q.get("email").map(|e| e.trim().to_owned()).filter(|e| !e.is_empty() && e.len() <= MAX_EMAIL_LEN);
    let orgs = match super::orgs::all(ctx).await {
        Ok(orgs) => orgs,
        Err(f) => return ctx.fail("login", None, f),
    };
    let org = match choose_org(&orgs, q.get("org").map(String::as_str), email.as_deref()) {
        OrgChoice::Org(org) => org,
        OrgChoice::AskForEmail => return answer::html(200, &discovery_form(brand, &return_to, None, notice.map(FormMessage::Notice))),
        OrgChoice::UnknownDomain => {
            ctx.log("login", None, "unknown_domain", Some(404), None);
            let msg = FormMessage::Error("We could not find an organization for that email address. Check it and try again.");
            return answer::html(404, &discovery_form(brand, &return_to, email.as_deref(), Some(msg)));
        }
        OrgChoice::InvalidEmail => {
            ctx.log("login", None, "invalid_email", Some(404), None);
            let msg = FormMessage::Error("Enter a valid email address, like name@company.com.");
            return answer::html(404, &discovery_form(brand, &return_to, email.as_deref(), Some(msg)));
        }
        OrgChoice::UnknownOrg => {
            ctx.log("login", None, "unknown_org", Some(404), None);
            let msg = FormMessage::Error("That organization is not known here. Enter your work email instead.");
            return answer::html(404, &discovery_form(brand, &return_to, email.as_deref(), Some(msg)));
        }
    };
    match redirect_to_idp(ctx, org, &return_to, email.as_deref()).await {
        Ok(resp) => {
            ctx.log("login", Some(&org.id), "redirect", Some(302), None);
            resp
        }
        Err(f) => ctx.fail("login", Some(&org.id), f),
    }
}

async fn redirect_to_idp(ctx: &Ctx<'_>, org: &crate::config::OrgConfig, return_to: &str, email: Option<&str>) -> Result<Response, Failure> {
    let meta = idp::metadata(ctx.env, &org.issuer).await?;
    let secrets = LoginSecrets::from_random(&runtime::random::<64>()?);
    let redirect_uri = format!("{}/_sso/callback", ctx.base_url);
    let location = authorization_url(&meta.authorization_endpoint, org, &redirect_uri, &secrets, email)
        .map_err(|_| Failure::idp_misbehaving("authorization_endpoint is not a URL"))?;
    let state = LoginState {
        org: org.id.clone(),
        nonce: secrets.nonce.clone(),
        code_verifier: secrets.code_verifier.clone(),
        return_to: return_to.to_owned(),
        expires_at: ctx.now + LOGIN_STATE_TTL_SECS,
    };
    let cookie = cookies::set(
        &LoginState::cookie_name(&secrets.state),
        &state.encode(&secrets.state, ctx.settings.keys.login_cookie()),
        "/_sso/callback",
        LOGIN_STATE_TTL_SECS,
        ctx.secure(),
    );
    Ok(answer::redirect(302, &location, &[cookie]))
}
