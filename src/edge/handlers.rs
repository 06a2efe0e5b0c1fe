//! The handlers of edge-sso's own pages under `/_sso/`: each reads the request, runs its flow from
//! [`crate::flows`], and writes the answer (cookies, redirects, pages) and one log line
//! naming the org whenever the flow identified one.

use std::collections::HashMap;

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::net::read_body;
use super::{cookies, protect, Ctx};
use crate::flows::{self, CallbackQuery, LoginStart};
use crate::login::notice::{self, NOTICE_COOKIE};
use crate::login::state::{plan_new_login, NewLogin, LOGIN_COOKIE_PATH};
use crate::login::{LoginParams, LoginState};
use crate::logout::backchannel::MAX_FORM_BYTES;
use crate::logout::rp_initiated::{check_return, LogoutReturn, LOGOUT_STATE_COOKIE};
use crate::logout::universal::MAX_BODY_BYTES;
use crate::pages::{discovery_form, logged_out_page, logout_page, not_signed_in_page, sessions_page, FormMessage};
use crate::routes::Page;
use crate::same_origin::is_same_origin;
use crate::session::cookie::{SessionHandle, SESSION_COOKIE};

/// How long the sign-out `state` cookie lives, in seconds.
const LOGOUT_STATE_TTL_SECS: u64 = 600;

/// Answers a request for one of edge-sso's pages.
pub(crate) async fn answer(ctx: &Ctx<'_>, req: Request, page: Page) -> Response {
    match page {
        Page::Healthz => answer::text(200, "ok"),
        Page::Jwks => protect::jwks(ctx).await,
        Page::Session => protect::session_info(ctx, &req).await,
        Page::Login => login(ctx, &req).await,
        Page::Callback => callback(ctx, &req).await,
        Page::LogoutForm => logout_form(ctx, &req).await,
        Page::Logout => sign_out(ctx, &req).await,
        Page::LoggedOut => logged_out(ctx, &req),
        Page::Backchannel => backchannel(ctx, req).await,
        Page::UniversalLogout => universal(ctx, req).await,
        Page::Sessions => own_sessions(ctx, &req).await,
        Page::SessionsEnd => end_own_sessions(ctx, req).await,
    }
}

/// `GET /_sso/sessions`: the user's sessions, as a page for browsers, JSON otherwise.
async fn own_sessions(ctx: &Ctx<'_>, req: &Request) -> Response {
    let traced = protect::current_session(ctx, req).await;
    let (handle, session) = match traced.result {
        Ok(Some(found)) => found,
        Ok(None) => return protect::unauthenticated(ctx, req),
        Err(e) => return ctx.fail("sessions", traced.org.as_deref(), e.into()),
    };
    let org = Some(session.record.user.org.as_str());
    match flows::list_sessions(&ctx.io(), &handle).await {
        Ok(sessions) if ctx.wants_html => answer::html_with_form(200, &sessions_page(&ctx.settings.config.branding, &sessions)),
        Ok(sessions) => {
            let mut resp = answer::json(200, &serde_json::json!({ "sessions": sessions }));
            let _ = resp.headers_mut().set("cache-control", "no-store");
            resp
        }
        Err(e) => ctx.fail("sessions", org, e.into()),
    }
}

/// Longest body of `POST /_sso/sessions/end`.
const MAX_END_BODY_BYTES: usize = 4096;

/// `POST /_sso/sessions/end` (same-origin only): `id=<id>` or `id=others`.
async fn end_own_sessions(ctx: &Ctx<'_>, mut req: Request) -> Response {
    if !same_origin(ctx, &req) {
        return ctx.fail("sessions_end", None, Failure::new(403, "forbidden", "Sessions can only be ended from this site."));
    }
    let traced = protect::current_session(ctx, &req).await;
    let (handle, session) = match traced.result {
        Ok(Some(found)) => found,
        Ok(None) => return answer::json(401, &serde_json::json!({"error": "unauthenticated"})),
        Err(e) => return ctx.fail("sessions_end", traced.org.as_deref(), e.into()),
    };
    let org = Some(session.record.user.org.as_str());
    let is_json = req.headers().get("content-type").ok().flatten().is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    let body = read_body(&mut req, MAX_END_BODY_BYTES).await.unwrap_or_default();
    let id = if is_json {
        serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_owned))
    } else {
        url::form_urlencoded::parse(&body).find(|(k, _)| k == "id").map(|(_, v)| v.into_owned())
    };
    let Some(id) = id else {
        return ctx.fail("sessions_end", org, Failure::new(400, "invalid_request", "Say which session to end (id)."));
    };
    match flows::end_own_sessions(&ctx.io(), &handle, &id).await {
        Ok(flows::EndedOwn::NotFound) => ctx.fail("sessions_end", org, Failure::new(404, "not_found", "No such session.")),
        Ok(flows::EndedOwn::Ended { sessions, current }) => {
            ctx.log("sessions_end", org, "ok", Some(if ctx.wants_html { 303 } else { 200 }), Some(&format!("{sessions} sessions ended")));
            let mut set = vec![];
            if current {
                protect::forget(&handle.storage_key());
                set.push(cookies::clear(SESSION_COOKIE, "/", ctx.secure()));
            }
            if ctx.wants_html {
                answer::redirect(303, "/_sso/sessions", &set)
            } else {
                answer::with_cookies(answer::json(200, &serde_json::json!({ "ended": sessions })), &set)
            }
        }
        Err(e) => ctx.fail("sessions_end", org, e.into()),
    }
}

/// Query parameters of a request, first value of each (bounded).
fn query(req: &Request) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(url) = req.url() {
        for (k, v) in url.query_pairs().take(32) {
            out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
    }
    out
}

/// `GET /_sso/login`: a notice waiting for this page (e.g. "your session has ended") is
/// shown once.
async fn login(ctx: &Ctx<'_>, req: &Request) -> Response {
    let notice = cookies::read(req, NOTICE_COOKIE);
    let response = choose_org(ctx, req, notice::message(notice.as_deref())).await;
    match notice {
        Some(_) => answer::with_cookies(response, &[cookies::clear(NOTICE_COOKIE, "/_sso/login", ctx.secure())]),
        None => response,
    }
}

async fn choose_org(ctx: &Ctx<'_>, req: &Request, notice: Option<&str>) -> Response {
    let brand = &ctx.settings.config.branding;
    let q = query(req);
    let params = LoginParams::from_query(|name| q.get(name).map(String::as_str), &ctx.base_url);
    let traced = flows::start_login_with(&ctx.io(), ctx.site(), params).await;
    let org = traced.org.as_deref();
    let (outcome, return_to, email, message) = match traced.result {
        Ok(LoginStart::ToIdp { location, cookie_name, cookie_value }) => {
            return to_idp(ctx, req, org, &location, &cookie_name, &cookie_value)
        }
        Ok(LoginStart::AskForEmail { return_to }) => {
            return answer::html(200, &discovery_form(brand, &return_to, None, notice.map(FormMessage::Notice)));
        }
        Ok(LoginStart::UnknownDomain { return_to, email }) => {
            ("unknown_domain", return_to, email, "We could not find an organization for that email address. Check it and try again.")
        }
        Ok(LoginStart::InvalidEmail { return_to, email }) => {
            ("invalid_email", return_to, email, "Enter a valid email address, like name@company.com.")
        }
        Ok(LoginStart::UnknownOrg { return_to, email }) => {
            ("unknown_org", return_to, email, "That organization is not known here. Enter your work email instead.")
        }
        Ok(LoginStart::UnknownIssuer { return_to, email }) => {
            ("unknown_issuer", return_to, email, "That sign-in service is not known here. Enter your work email instead.")
        }
        Err(e) => return ctx.fail("login", org, e.into()),
    };
    ctx.log("login", org, outcome, Some(404), None);
    answer::html(404, &discovery_form(brand, &return_to, email.as_deref(), Some(FormMessage::Error(message))))
}

/// The redirect to the IdP with the new login-state cookie. Pending logins never block
/// this one: the oldest are evicted, and a `Cookie` header that the callback could not
/// read is said here rather than sent round in circles.
fn to_idp(ctx: &Ctx<'_>, req: &Request, org: Option<&str>, location: &str, name: &str, value: &str) -> Response {
    let header = req.headers().get("cookie").ok().flatten();
    let (evict, too_many) = match plan_new_login(header.as_deref(), name.len() + 1 + value.len()) {
        NewLogin::Start { evict } => (evict, false),
        NewLogin::TooManyCookies { evict } => (evict, true),
    };
    let mut set: Vec<String> = evict.iter().map(|n| cookies::clear(n, LOGIN_COOKIE_PATH, ctx.secure())).collect();
    if too_many {
        let failure = Failure::new(
            400,
            "too_many_cookies",
            "Your browser sends more cookies to this site than can be read. Clear this site's cookies, then sign in again.",
        );
        return answer::with_cookies(ctx.fail("login", org, failure), &set);
    }
    ctx.log("login", org, "redirect", Some(302), None);
    set.push(cookies::set(name, value, LOGIN_COOKIE_PATH, crate::login::LOGIN_STATE_TTL_SECS, ctx.secure()));
    answer::redirect(302, location, &set)
}

/// `GET /_sso/callback`: the login cookie of this state is cleared whatever happens.
async fn callback(ctx: &Ctx<'_>, req: &Request) -> Response {
    let q = query(req);
    let param = |name: &str| q.get(name).map(String::as_str);
    let state = param("state").filter(|s| !s.is_empty());
    let login_cookie = state.map(LoginState::cookie_name);
    // The path login-state cookies have now, and the one they had before (still in
    // browsers for up to ten minutes after an upgrade).
    let clear: Vec<String> = login_cookie
        .iter()
        .flat_map(|name| [LOGIN_COOKIE_PATH, "/_sso/callback"].map(|path| cookies::clear(name, path, ctx.secure())))
        .collect();
    let presented = login_cookie.and_then(|name| cookies::read(req, &name));
    let user_agent = req.headers().get("user-agent").ok().flatten();
    let country = req.cf().and_then(worker::Cf::country);
    let query = CallbackQuery {
        state,
        code: param("code"),
        iss: param("iss"),
        error: param("error"),
        user_agent: user_agent.as_deref(),
        country: country.as_deref(),
    };
    let traced = flows::finish_login(&ctx.io(), ctx.site(), query, presented.as_deref()).await;
    let org = traced.org.as_deref();
    match traced.result {
        Ok(signed_in) => {
            if let Some(status) = signed_in.provisioned {
                ctx.log("provisioning", org, "ok", Some(status), None);
            }
            ctx.log("callback", org, "ok", Some(302), None);
            let mut set = clear;
            if let Some(session) = &signed_in.session_cookie {
                set.push(cookies::set(SESSION_COOKIE, session, "/", signed_in.max_age, ctx.secure()));
            }
            answer::redirect(302, &signed_in.return_to, &set)
        }
        Err(e) => answer::with_cookies(ctx.fail("callback", org, e.into()), &clear),
    }
}

/// `GET /_sso/logout`: the sign-out button for a signed-in user; "you are not signed in"
/// otherwise (when the store cannot tell, the button: signing out is always safe).
async fn logout_form(ctx: &Ctx<'_>, req: &Request) -> Response {
    let brand = &ctx.settings.config.branding;
    match protect::current_session(ctx, req).await.result {
        Ok(None) => answer::html(200, &not_signed_in_page(brand)),
        // The sign-out form: Referrer-Policy: same-origin, so browsers send its Origin.
        Ok(Some(_)) | Err(_) => answer::html_with_form(200, &logout_page(brand)),
    }
}

/// `POST /_sso/logout` (same-origin only).
async fn sign_out(ctx: &Ctx<'_>, req: &Request) -> Response {
    if !same_origin(ctx, req) {
        return ctx.fail("logout", None, Failure::new(403, "forbidden", "Sign-out must come from this site."));
    }
    let handle = cookies::session_value(req, &ctx.settings.keys)
        .and_then(|v| ctx.settings.keys.session_cookie_keys().find_map(|k| SessionHandle::decode(&v, k)));
    if let Some(handle) = &handle {
        protect::forget(&handle.storage_key());
    }
    let traced = flows::sign_out(&ctx.io(), ctx.site(), handle).await;
    let org = traced.org.as_deref();
    match traced.result {
        Ok(signed_out) => {
            ctx.log("logout", org, "ok", Some(303), None);
            let mut set: Vec<String> = signed_out
                .logout_state
                .iter()
                .map(|state| cookies::set(LOGOUT_STATE_COOKIE, state, "/_sso/logged-out", LOGOUT_STATE_TTL_SECS, ctx.secure()))
                .collect();
            set.push(cookies::clear(SESSION_COOKIE, "/", ctx.secure()));
            answer::redirect(303, &signed_out.location, &set)
        }
        Err(e) => ctx.fail("logout", org, e.into()),
    }
}

/// The one same-origin check of every state-changing form ([`is_same_origin`]).
pub(crate) fn same_origin(ctx: &Ctx<'_>, req: &Request) -> bool {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    is_same_origin(header("origin").as_deref(), header("sec-fetch-site").as_deref(), &ctx.base_url)
}

/// `GET /_sso/logged-out`: checks the `state` the IdP sent back.
fn logged_out(ctx: &Ctx<'_>, req: &Request) -> Response {
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

/// `POST /_sso/backchannel-logout`: the caller is an identity provider, so always JSON.
async fn backchannel(ctx: &Ctx<'_>, mut req: Request) -> Response {
    let body = read_body(&mut req, MAX_FORM_BYTES).await;
    let traced = flows::backchannel_logout(&ctx.io(), ctx.site(), body.as_deref()).await;
    let org = traced.org.as_deref();
    match traced.result {
        Ok(sessions) => {
            ctx.log("backchannel_logout", org, "ok", Some(200), Some(&format!("{sessions} sessions ended")));
            let mut resp = answer::text(200, "");
            let _ = resp.headers_mut().set("cache-control", "no-store");
            resp
        }
        Err(f) => {
            let f = Failure::from(f);
            ctx.log("backchannel_logout", org, "error", Some(f.status), Some(&f.log_reason));
            f.into_response(false)
        }
    }
}

/// `POST /_sso/global-token-revocation` (Okta Universal Logout).
async fn universal(ctx: &Ctx<'_>, mut req: Request) -> Response {
    let authorization = req.headers().get("authorization").ok().flatten();
    let body = read_body(&mut req, MAX_BODY_BYTES).await;
    let traced = flows::universal_logout(&ctx.io(), ctx.site(), authorization.as_deref(), body.as_deref()).await;
    let org = traced.org.as_deref();
    match traced.result {
        Ok(()) => {
            ctx.log("universal_logout", org, "ok", Some(204), None);
            answer::no_content()
        }
        Err(f) => {
            let f = Failure::from(f);
            ctx.log("universal_logout", org, "error", Some(f.status), Some(&f.log_reason));
            answer::json(f.status, &serde_json::json!({"error": f.error, "error_description": f.description}))
        }
    }
}
