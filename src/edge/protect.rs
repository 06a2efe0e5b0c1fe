//! Protected and public paths: the session check (one Durable Object call), the
//! identity headers and `X-Sso-Assertion`, and forwarding to the origin.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use worker::{Headers, Request, Response};

use super::answer::{self, Failure};
use super::runtime::{self, cache_signing_key, cached_signing_key};
use super::{cookies, store, webcrypto, Ctx};
use crate::flows::session_check::{self, Remembered};
use crate::flows::{access, identity_of, Access, Identity, Traced, Unauthenticated};
use crate::forward::{identity_headers, is_spoofable_header, strip_sso_cookies};
use crate::jose::AssertionSigningKey;
use crate::login::notice::{NOTICE_COOKIE, NOTICE_TTL_SECS, SESSION_ENDED};
use crate::session::cookie::{SessionHandle, SESSION_COOKIE};
use crate::session::store::ActiveSession;
use crate::sso_state::{StateRequest, StateResponse};

thread_local! {
    static REMEMBERED: Rc<RefCell<Remembered>> = Rc::default();
}

pub(crate) async fn serve<F, Fut>(ctx: &Ctx<'_>, req: Request, path: &str, app: F) -> Response
where
    F: FnOnce(Request, Option<Identity>) -> Fut,
    Fut: Future<Output = worker::Result<Response>>,
{
    if access(ctx.site(), path) == Access::Public {
        return match clean_request(&req, &[], ctx.forward_to) {
            Ok(clean) => run_app(ctx, None, app(clean, None).await),
            Err(f) => ctx.fail("proxy", None, f),
        };
    }
    let traced = current_session(ctx, &req).await;
    let session = match traced.result {
        Ok(s) => s,
        Err(e) => return ctx.fail("session", traced.org.as_deref(), e.into()),
    };
    let Some((handle, session)) = session else { return unauthenticated(ctx, &req) };
    let r = &session.record.user;
    let memory = REMEMBERED.with(Rc::clone);
    let assertion = match session_check::assertion(&ctx.io(), ctx.site(), &handle.storage_key(), &session, &memory).await {
        Ok(a) => a,
        Err(e) => return ctx.fail("assertion", Some(&r.org), e.into()),
    };
    let mut extra: Vec<(&str, String)> = identity_headers(&r.subject, r.email.as_deref(), r.name.as_deref(), &r.org, &r.issuer);
    extra.push(("x-sso-assertion", assertion.to_string()));
    let identity = identity_of(&session);
    match clean_request(&req, &extra, ctx.forward_to) {
        Ok(clean) => run_app(ctx, Some(&r.org), app(clean, Some(identity)).await),
        Err(f) => ctx.fail("proxy", Some(&r.org), f),
    }
}

/// The answer to a protected path without a valid session: sign in (navigations) or 401.
pub(crate) fn unauthenticated(ctx: &Ctx<'_>, req: &Request) -> Response {
    let is_read = is_get_or_head(&req.inner().method());
    let path_and_query = req.url().map(|u| u[url::Position::BeforePath..].to_owned()).unwrap_or_default();
    let had_cookie = cookies::read(req, SESSION_COOKIE).is_some();
    match Unauthenticated::decide(is_read, ctx.wants_html, &path_and_query, had_cookie) {
        Unauthenticated::SignIn { location, session_ended: false } => answer::redirect(302, &location, &[]),
        // The session this browser had ended elsewhere (IdP logout, timeout): say so once.
        Unauthenticated::SignIn { location, session_ended: true } => {
            let ended = [
                cookies::clear(SESSION_COOKIE, "/", ctx.secure()),
                cookies::set(NOTICE_COOKIE, SESSION_ENDED, "/_sso/login", NOTICE_TTL_SECS, ctx.secure()),
            ];
            answer::redirect(302, &location, &ended)
        }
        Unauthenticated::Refuse => answer::json(401, &serde_json::json!({"error": "unauthenticated"})),
    }
}

fn run_app(ctx: &Ctx<'_>, org: Option<&str>, result: worker::Result<Response>) -> Response {
    result.unwrap_or_else(|e| {
        ctx.fail("origin", org, Failure::new(502, "bad_gateway", "The application could not be reached.").logged_as(format!("origin: {e}")))
    })
}

/// The session the request's cookie names, if valid now.
pub(crate) async fn current_session(ctx: &Ctx<'_>, req: &Request) -> Traced<Option<(SessionHandle, ActiveSession)>> {
    // The first `sso_session` of any Cookie field that verifies (current or previous secret).
    let cookie = cookies::session_value(req, &ctx.settings.keys);
    let memory = REMEMBERED.with(Rc::clone);
    session_check::current_session(&ctx.io(), ctx.site(), cookie.as_deref(), &memory).await
}

/// Forgets what this isolate remembers about a session (after sign-out).
pub(crate) fn forget(storage_key: &str) {
    REMEMBERED.with(|m| m.borrow_mut().forget(storage_key));
}

/// A copy of the request without spoofable headers and `sso_*` cookies, plus `extra` headers.
fn clean_request(req: &Request, extra: &[(&str, String)], forward_to: Option<&str>) -> Result<Request, Failure> {
    // Copy the headers in one runtime call, then drop what must not reach the app.
    let headers = web_sys::Headers::new_with_headers(&req.inner().headers())
        .map(Headers)
        .map_err(|_| Failure::internal("could not copy the headers"))?;
    let spoofed: Vec<String> = headers.keys().filter(|name| is_spoofable_header(name)).collect();
    for name in spoofed {
        let _ = headers.delete(&name);
    }
    if let Ok(Some(cookie)) = headers.get("cookie") {
        match strip_sso_cookies(&cookie) {
            Some(kept) if kept.len() != cookie.len() => {
                let _ = headers.set("cookie", &kept);
            }
            Some(_) => {}
            None => {
                let _ = headers.delete("cookie");
            }
        }
    }
    for (name, value) in extra {
        headers.set(name, value).map_err(|_| Failure::internal("identity header rejected"))?;
    }
    // The runtime's own URL string (parsing and re-serializing it would give the same
    // text), pointed at the origin when the request goes there.
    let url = req.inner().url();
    let url = match forward_to {
        Some(origin) => at_origin(&url, origin),
        None => url,
    };
    rebuilt(req, &url, &headers.0).map_err(|_| Failure::internal("could not copy the request"))
}

/// `req` at `url` with `headers`: its method exactly as sent (the `worker::Method` enum
/// would turn `PROPFIND` or `QUERY` into `GET`), its body, redirects not followed.
fn rebuilt(req: &Request, url: &str, headers: &web_sys::Headers) -> Result<Request, wasm_bindgen::JsValue> {
    let method = req.inner().method();
    let init = web_sys::RequestInit::new();
    init.set_method(&method);
    init.set_headers(headers);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if !is_get_or_head(&method) {
        if let Some(body) = req.inner().body() {
            init.set_body(&body);
        }
    }
    web_sys::Request::new_with_str_and_init(url, &init).map(Request::from)
}

/// `GET` or `HEAD` (methods are case-sensitive; the runtime upper-cases these two).
pub(crate) fn is_get_or_head(method: &str) -> bool {
    method == "GET" || method == "HEAD"
}

/// Sends the (already cleaned) request to `origin`, keeping path and query; without
/// an origin, to the request's own URL.
pub async fn forward_to_origin(req: Request, origin: Option<String>) -> worker::Result<Response> {
    let url = req.inner().url();
    let url = match origin {
        Some(origin) => at_origin(&url, origin.trim_end_matches('/')),
        None => url,
    };
    // The request's own headers object (the Request constructor copies it).
    let copy = rebuilt(&req, &url, &req.inner().headers()).map_err(|_| worker::Error::RustError("could not copy the request".into()))?;
    worker::Fetch::Request(copy).send().await
}

/// `url` (absolute) with its scheme and authority replaced by `origin` (`scheme://host[:port]`).
fn at_origin(url: &str, origin: &str) -> String {
    match url.find("://").and_then(|s| url[s + 3..].find('/').map(|p| s + 3 + p)) {
        Some(path_start) => format!("{origin}{}", &url[path_start..]),
        None => format!("{origin}/"),
    }
}

/// The assertion signing key: `SSO_SIGNING_KEY`, or the one generated and kept by `SsoState`.
pub(crate) async fn signing_key(ctx: &Ctx<'_>) -> Result<Rc<AssertionSigningKey>, Failure> {
    if let Some(key) = cached_signing_key() {
        return Ok(key);
    }
    let jwk = match runtime::raw_var(ctx.env, "SSO_SIGNING_KEY") {
        Some(jwk) => jwk,
        None => match store::state_call(ctx.env, &StateRequest::SigningKey).await? {
            StateResponse::SigningKey { jwk } => jwk,
            _ => return Err(Failure::store_unavailable("state answer")),
        },
    };
    let key = AssertionSigningKey::from_private_jwk(&jwk).map_err(|e| Failure::internal(format!("SSO_SIGNING_KEY: {e}")))?;
    webcrypto::check_assertion_key(&key).await.map_err(|e| Failure::internal(format!("SSO_SIGNING_KEY: {e}")))?;
    Ok(cache_signing_key(key))
}

/// `GET /_sso/jwks.json`.
pub(crate) async fn jwks(ctx: &Ctx<'_>) -> Response {
    match signing_key(ctx).await {
        Ok(key) => {
            let mut resp = answer::json(200, &serde_json::json!({ "keys": [key.public_jwk()] }));
            let _ = resp.headers_mut().set("cache-control", "public, max-age=300");
            resp
        }
        Err(f) => ctx.fail("jwks", None, f),
    }
}

/// `GET /_sso/session`.
pub(crate) async fn session_info(ctx: &Ctx<'_>, req: &Request) -> Response {
    let traced = current_session(ctx, req).await;
    match traced.result {
        Ok(Some((_, s))) => answer::json(
            200,
            &serde_json::json!({"authenticated": true, "org": s.record.user.org, "subject": s.record.user.subject,
                "email": s.record.user.email, "name": s.record.user.name, "expires_at": s.expires_at}),
        ),
        Ok(None) => answer::json(401, &serde_json::json!({"authenticated": false})),
        Err(e) => ctx.fail("session", traced.org.as_deref(), e.into()),
    }
}
