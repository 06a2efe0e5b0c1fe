//! Protected and public paths: the session check (one Durable Object call), the
//! identity headers and `X-Sso-Assertion`, and forwarding to the origin.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use worker::{Headers, Request, RequestInit, Response};

use super::answer::{self, Failure};
use super::runtime::{self, cache_signing_key, cached_signing_key};
use super::{cookies, store, Ctx};
use crate::assertion::{AssertionClaims, AssertionSubject, ASSERTION_TTL_SECS};
use crate::forward::{identity_headers, is_spoofable_header, strip_sso_cookies};
use crate::jose::AssertionSigningKey;
use crate::login::notice::{NOTICE_COOKIE, NOTICE_TTL_SECS, SESSION_ENDED};
use crate::login::return_to::MAX_RETURN_TO_LEN;
use crate::session::cookie::{hex, SessionHandle, SESSION_COOKIE};
use crate::session::store::{ActiveSession, StoreRequest, StoreResponse};

/// The signed-in user, as the application behind edge-sso sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Org id.
    pub org: String,
    /// The IdP's issuer.
    pub issuer: String,
    /// `sub` at the IdP.
    pub subject: String,
    /// Email, when known.
    pub email: Option<String>,
    /// Display name, when known.
    pub name: Option<String>,
    /// When the session ends if unused (Unix seconds).
    pub expires_at: u64,
}

/// An assertion reused for up to half its life, per session, per isolate.
const ASSERTION_REUSE_SECS: u64 = ASSERTION_TTL_SECS / 2;
/// Bound on each per-isolate cache (assertions, recently checked sessions).
const MAX_CACHED_SESSIONS: usize = 10_000;

thread_local! {
    static ASSERTIONS: RefCell<HashMap<String, (u64, Rc<str>)>> = RefCell::new(HashMap::new());
    static VOUCHED: RefCell<HashMap<String, (u64, ActiveSession)>> = RefCell::new(HashMap::new());
}

pub(crate) async fn serve<F, Fut>(ctx: &Ctx<'_>, req: Request, path: &str, app: F) -> Response
where
    F: FnOnce(Request, Option<Identity>) -> Fut,
    Fut: Future<Output = worker::Result<Response>>,
{
    if ctx.settings.config.public_paths.iter().any(|p| path.starts_with(p.as_str())) {
        return match clean_request(&req, &[], ctx.forward_to) {
            Ok(clean) => run_app(ctx, app(clean, None).await),
            Err(f) => ctx.fail("proxy", None, f),
        };
    }
    let session = match current_session(ctx, &req).await {
        Ok(s) => s,
        Err(f) => return ctx.fail("session", None, f),
    };
    let Some((handle, session)) = session else {
        let method_ok = matches!(req.method(), worker::Method::Get | worker::Method::Head);
        if method_ok && ctx.wants_html {
            let return_to = req
                .url()
                .map(|u| match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_owned(),
                })
                .unwrap_or_default();
            // A return_to the login would drop anyway is not worth a huge Location header.
            let return_to = if return_to.len() > MAX_RETURN_TO_LEN { "/".to_owned() } else { return_to };
            let location =
                format!("/_sso/login?return_to={}", url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>());
            // The session this browser had ended elsewhere (IdP logout, timeout): say so once.
            let ended = cookies::read(&req, SESSION_COOKIE).map(|_| {
                [
                    cookies::clear(SESSION_COOKIE, "/", ctx.secure()),
                    cookies::set(NOTICE_COOKIE, SESSION_ENDED, "/_sso/login", NOTICE_TTL_SECS, ctx.secure()),
                ]
            });
            return answer::redirect(302, &location, ended.as_ref().map_or(&[], |c| c.as_slice()));
        }
        return answer::json(401, &serde_json::json!({"error": "unauthenticated"}));
    };
    let r = &session.record;
    let assertion = match assertion(ctx, &handle.storage_key(), &session).await {
        Ok(a) => a,
        Err(f) => return ctx.fail("assertion", Some(&r.org), f),
    };
    let mut extra: Vec<(&str, String)> = identity_headers(&r.subject, r.email.as_deref(), r.name.as_deref(), &r.org, &r.issuer);
    extra.push(("x-sso-assertion", assertion.to_string()));
    let identity = Identity {
        org: r.org.clone(),
        issuer: r.issuer.clone(),
        subject: r.subject.clone(),
        email: r.email.clone(),
        name: r.name.clone(),
        expires_at: session.expires_at,
    };
    match clean_request(&req, &extra, ctx.forward_to) {
        Ok(clean) => run_app(ctx, app(clean, Some(identity)).await),
        Err(f) => ctx.fail("proxy", Some(&r.org), f),
    }
}

fn run_app(ctx: &Ctx<'_>, result: worker::Result<Response>) -> Response {
    result.unwrap_or_else(|e| {
        ctx.fail(
            "origin",
            None,
            Failure::new(502, "bad_gateway", "The application could not be reached.").logged_as(format!("origin: {e}")),
        )
    })
}

/// The session the request's cookie names, if valid now (one store call, or none
/// within `revalidate_secs` of the last check in this isolate).
pub(crate) async fn current_session(ctx: &Ctx<'_>, req: &Request) -> Result<Option<(SessionHandle, ActiveSession)>, Failure> {
    let Some(handle) = cookies::read(req, SESSION_COOKIE).and_then(|v| SessionHandle::decode(&v, ctx.settings.keys.session_cookie()))
    else {
        return Ok(None);
    };
    let key = handle.storage_key();
    let revalidate = ctx.settings.config.session.revalidate_secs;
    if revalidate > 0 {
        if let Some(session) = VOUCHED
            .with(|v| v.borrow().get(&key).filter(|(at, s)| ctx.now < at + revalidate && ctx.now < s.expires_at).map(|(_, s)| s.clone()))
        {
            return Ok(Some((handle, session)));
        }
    }
    let request = StoreRequest::Touch { key: key.clone(), now: ctx.now, limits: Some((&ctx.settings.config.session).into()) };
    match store::call(ctx.env, &handle.store_name(), &request).await? {
        StoreResponse::Session { session: Some(session) } => {
            if revalidate > 0 {
                VOUCHED.with(|v| {
                    let mut v = v.borrow_mut();
                    if v.len() >= MAX_CACHED_SESSIONS {
                        v.clear();
                    }
                    v.insert(key, (ctx.now, session.clone()));
                });
            }
            Ok(Some((handle, session)))
        }
        _ => Ok(None),
    }
}

/// Forgets what this isolate remembers about a session (after sign-out).
pub(crate) fn forget(storage_key: &str) {
    VOUCHED.with(|v| v.borrow_mut().remove(storage_key));
    ASSERTIONS.with(|a| a.borrow_mut().remove(storage_key));
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
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers).with_redirect(worker::RequestRedirect::Manual);
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head) {
        init.with_body(req.inner().body().map(Into::into));
    }
    // The runtime's own URL string (parsing and re-serializing it would give the same
    // text), pointed at the origin when the request goes there.
    let url = req.inner().url();
    let url = match forward_to {
        Some(origin) => at_origin(&url, origin),
        None => url,
    };
    Request::new_with_init(&url, &init).map_err(|_| Failure::internal("could not copy the request"))
}

/// Sends the (already cleaned) request to `origin`, keeping path and query; without
/// an origin, to the request's own URL.
pub async fn forward_to_origin(req: Request, origin: Option<String>) -> worker::Result<Response> {
    let url = req.inner().url();
    let url = match origin {
        Some(origin) => at_origin(&url, origin.trim_end_matches('/')),
        None => url,
    };
    let mut init = RequestInit::new();
    // The request's own headers object (`Headers::clone` would copy it, and the Request
    // constructor copies it again anyway).
    init.with_method(req.method()).with_headers(Headers(req.inner().headers())).with_redirect(worker::RequestRedirect::Manual);
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head) {
        init.with_body(req.inner().body().map(Into::into));
    }
    worker::Fetch::Request(Request::new_with_init(&url, &init)?).send().await
}

/// `url` (absolute) with its scheme and authority replaced by `origin` (`scheme://host[:port]`).
fn at_origin(url: &str, origin: &str) -> String {
    match url.find("://").and_then(|s| url[s + 3..].find('/').map(|p| s + 3 + p)) {
        Some(path_start) => format!("{origin}{}", &url[path_start..]),
        None => format!("{origin}/"),
    }
}

/// The `X-Sso-Assertion` for a session, signed or reused from this isolate's cache.
async fn assertion(ctx: &Ctx<'_>, storage_key: &str, session: &ActiveSession) -> Result<Rc<str>, Failure> {
    if let Some(jwt) =
        ASSERTIONS.with(|a| a.borrow().get(storage_key).filter(|(iat, _)| ctx.now < iat + ASSERTION_REUSE_SECS).map(|(_, j)| j.clone()))
    {
        return Ok(jwt);
    }
    let r = &session.record;
    let who =
        AssertionSubject { subject: &r.subject, email: r.email.as_deref(), name: r.name.as_deref(), org: &r.org, idp_issuer: &r.issuer };
    let jwt: Rc<str> = sign_assertion(ctx, who).await?.into();
    ASSERTIONS.with(|a| {
        let mut a = a.borrow_mut();
        if a.len() >= MAX_CACHED_SESSIONS {
            a.clear();
        }
        a.insert(storage_key.to_owned(), (ctx.now, jwt.clone()));
    });
    Ok(jwt)
}

/// Signs a fresh assertion about `who`.
pub(crate) async fn sign_assertion(ctx: &Ctx<'_>, who: AssertionSubject<'_>) -> Result<String, Failure> {
    let key = signing_key(ctx).await?;
    let audience = ctx.settings.config.origin.clone().unwrap_or_else(|| ctx.base_url.clone());
    let jti = hex(&runtime::random::<16>()?);
    let claims = AssertionClaims::new(who, &ctx.base_url, &audience, ctx.now, jti);
    key.sign(&claims).map_err(|e| Failure::internal(format!("assertion signing: {e}")))
}

/// The assertion signing key: `SSO_SIGNING_KEY`, or the one generated and kept by `SsoState`.
async fn signing_key(ctx: &Ctx<'_>) -> Result<Rc<AssertionSigningKey>, Failure> {
    if let Some(key) = cached_signing_key() {
        return Ok(key);
    }
    let jwk = match runtime::raw_var(ctx.env, "SSO_SIGNING_KEY") {
        Some(jwk) => jwk,
        None => {
            let mut resp = store::state_call(ctx.env, worker::Method::Get, "/signing-key", None).await?;
            resp.text().await.map_err(|_| Failure::store_unavailable("state answer"))?
        }
    };
    let key = AssertionSigningKey::from_private_jwk(&jwk).map_err(|e| Failure::internal(format!("SSO_SIGNING_KEY: {e}")))?;
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
    match current_session(ctx, req).await {
        Ok(Some((_, s))) => answer::json(
            200,
            &serde_json::json!({"authenticated": true, "org": s.record.org, "subject": s.record.subject, "email": s.record.email,
                "name": s.record.name, "expires_at": s.expires_at}),
        ),
        Ok(None) => answer::json(401, &serde_json::json!({"authenticated": false})),
        Err(f) => ctx.fail("session", None, f),
    }
}
