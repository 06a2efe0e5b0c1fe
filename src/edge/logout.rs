//! Sign-out started by the user: `POST /_sso/logout` (same-origin only) ends the
//! session and sends the browser through the IdP's `end_session_endpoint`;
//! `GET /_sso/logged-out` checks the returned `state`.

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::login::query;
use super::protect::forget;
use super::{cookies, idp, runtime, store, Ctx};
use crate::logout::rp_initiated::{check_return, end_session_url, LogoutReturn, LOGOUT_STATE_COOKIE};
use crate::pages::{logged_out_page, logout_page, not_signed_in_page};
use crate::session::cookie::{hex, SessionHandle, SESSION_COOKIE};
use crate::session::store::{StoreRequest, StoreResponse};

const LOGOUT_STATE_TTL_SECS: u64 = 600;

/// `GET /_sso/logout`: the sign-out button for a signed-in user; "you are not signed in"
/// otherwise (when the store cannot tell, the button: signing out is always safe).
pub(crate) async fn page(ctx: &Ctx<'_>, req: &Request) -> Response {
    let brand = &ctx.settings.config.branding;
    match super::protect::current_session(ctx, req).await {
        Ok(None) => answer::html(200, &not_signed_in_page(brand)),
        Ok(Some(_)) | Err(_) => answer::html(200, &logout_page(brand)),
    }
}

pub(crate) async fn sign_out(ctx: &Ctx<'_>, req: &Request) -> Response {
    if !same_origin(ctx, req) {
        return ctx.fail("logout", None, Failure::new(403, "forbidden", "Sign-out must come from this site."));
    }
    match end_session(ctx, req).await {
        Ok((org, location, mut set)) => {
            ctx.log("logout", org.as_deref(), "ok", Some(303), None);
            set.push(cookies::clear(SESSION_COOKIE, "/", ctx.secure()));
            answer::redirect(303, &location, &set)
        }
        Err(f) => ctx.fail("logout", None, f),
    }
}

/// `Origin` equal to the base URL's origin, or `Sec-Fetch-Site: same-origin`.
fn same_origin(ctx: &Ctx<'_>, req: &Request) -> bool {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    if let Some(origin) = header("origin") {
        return origin == ctx.base_url;
    }
    header("sec-fetch-site").is_some_and(|s| s == "same-origin")
}

async fn end_session(ctx: &Ctx<'_>, req: &Request) -> Result<(Option<String>, String, Vec<String>), Failure> {
    let Some(handle) = cookies::read(req, SESSION_COOKIE).and_then(|v| SessionHandle::decode(&v, ctx.settings.keys.session_cookie()))
    else {
        return Ok((None, "/_sso/logged-out".into(), vec![]));
    };
    let key = handle.storage_key();
    forget(&key);
    let ended = store::call(ctx.env, &handle.store_name(), &StoreRequest::End { key }).await?;
    let StoreResponse::Ended { record: Some(record) } = ended else {
        return Ok((None, "/_sso/logged-out".into(), vec![]));
    };
    let Some(org) = super::orgs::find(ctx, &record.org).await.ok().flatten() else {
        return Ok((Some(record.org), "/_sso/logged-out".into(), vec![]));
    };
    // The local session is gone; an unreachable IdP only skips the IdP's sign-out.
    let end_session = idp::metadata(ctx.env, &org.issuer).await.ok().and_then(|m| m.end_session_endpoint.clone());
    let Some(endpoint) = end_session else {
        return Ok((Some(record.org), "/_sso/logged-out".into(), vec![]));
    };
    let state = hex(&runtime::random::<16>()?);
    let post_logout = format!("{}/_sso/logged-out", ctx.base_url);
    let location = end_session_url(&endpoint, &record.id_token, &post_logout, &state, &org.client_id)
        .map_err(|_| Failure::idp_misbehaving("end_session_endpoint is not a URL"))?;
    let cookie = cookies::set(LOGOUT_STATE_COOKIE, &state, "/_sso/logged-out", LOGOUT_STATE_TTL_SECS, ctx.secure());
    Ok((Some(record.org), location, vec![cookie]))
}

pub(crate) fn logged_out(ctx: &Ctx<'_>, req: &Request) -> Response {
    let q = query(req);
    let expected = cookies::read(req, LOGOUT_STATE_COOKIE);
    let clear = cookies::clear(LOGOUT_STATE_COOKIE, "/_sso/logged-out", ctx.secure());
    match check_return(expected.as_deref(), q.get("state").map(String::as_str)) {
        LogoutReturn::Confirmed | LogoutReturn::Plain => {
            answer::with_cookies(answer::html(200, &logged_out_page(&ctx.settings.config.branding, None)), &[clear])
        }
        LogoutReturn::StateMismatch => {
            ctx.log("logged_out", None, "state_mismatch", Some(400), None);
            let note = "You are signed out of this application, but the identity provider's answer could not be confirmed.";
            answer::with_cookies(answer::html(400, &logged_out_page(&ctx.settings.config.branding, Some(note))), &[clear])
        }
    }
}
