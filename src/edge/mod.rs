//! The Workers adapter: the only code that names `worker`. It parses the request,
//! asks the core what to do, performs the IO (fetch, Durable Objects, KV), and turns
//! the outcome into a response.

mod admin;
mod answer;
mod cookies;
mod handlers;
mod idp;
mod io;
mod net;
mod orgs;
mod outcomes;
mod protect;
mod runtime;
mod selfserve;
mod session_store;
mod state_store;
mod store;
mod webcrypto;

pub use crate::flows::Identity;
pub use protect::forward_to_origin;
pub use session_store::SessionStore;
pub use state_store::SsoState;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use crate::flows::orgs::OrgCache;

use worker::{Env, Request, Response};

use crate::routes::{self, Route};

use answer::{Failure, LogLine};
use runtime::Settings;

/// What every route handler gets: the environment, the settings and request facts.
pub(crate) struct Ctx<'a> {
    pub(crate) env: &'a Env,
    pub(crate) settings: &'a Settings,
    /// `scheme://host[:port]` of the worker, no trailing slash.
    pub(crate) base_url: String,
    pub(crate) request_id: String,
    pub(crate) wants_html: bool,
    pub(crate) now: u64,
    /// Where the cleaned request points (`scheme://host[:port]`); `None`: its own URL.
    pub(crate) forward_to: Option<&'a str>,
    /// This isolate's copy of the orgs (see [`crate::flows::orgs`]).
    pub(crate) org_cache: Rc<RefCell<OrgCache>>,
}

impl Ctx<'_> {
    /// Whether cookies get `Secure`.
    pub(crate) fn secure(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub(crate) fn log(&self, event: &str, org: Option<&str>, outcome: &str, status: Option<u16>, reason: Option<&str>) {
        LogLine { event, org, outcome, request_id: &self.request_id, status, reason }.emit();
    }

    /// Logs a failure and turns it into the answer.
    pub(crate) fn fail(&self, event: &str, org: Option<&str>, failure: Failure) -> Response {
        self.log(event, org, "error", Some(failure.status), Some(&failure.log_reason));
        failure.into_response(self.wants_html)
    }
}

/// edge-sso in front of your own Workers handler.
///
/// ```ignore
/// use worker::*;
/// pub use edge_sso::{SessionStore, SsoState}; // the Durable Objects' Rust halves (entry.js declares the classes)
///
/// #[event(fetch)]
/// async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
///     edge_sso::Sso::from_env(&env)
///         .handle(req, |req, user| async move {
///             match user {
///                 Some(identity) => Response::ok(format!("Hello, {}", identity.user.name.unwrap_or(identity.user.subject))),
///                 None => Response::ok("a public page"),
///             }
///         })
///         .await
/// }
/// ```
pub struct Sso<'a> {
    env: &'a Env,
}

impl<'a> Sso<'a> {
    /// Binds edge-sso to the Worker's environment. The configuration (`SSO` and the
    /// secrets) is parsed once per isolate, on first use.
    pub fn from_env(env: &'a Env) -> Self {
        Self { env }
    }

    /// Checks the configuration now; the error names the field and the problem.
    /// (Without this call, a bad configuration answers every request with `500`.)
    pub fn check(&self) -> Result<(), crate::config::ConfigError> {
        runtime::settings(self.env).as_ref().as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// Serves `req`: `/_sso/*` is answered by edge-sso; public paths go to `app` with
    /// no user; every other path goes to `app` only with a valid session (others get
    /// a redirect to sign-in, or `401` for API calls).
    pub async fn handle<F, Fut>(&self, req: Request, app: F) -> worker::Result<Response>
    where
        F: FnOnce(Request, Option<Identity>) -> Fut,
        Fut: Future<Output = worker::Result<Response>>,
    {
        Ok(handle(req, self.env, app).await)
    }
}

/// Serves one request: edge-sso's own routes under `/_sso/`, public paths straight
/// to `app`, and everything else to `app` only with a valid session.
///
/// `app` receives the request (already stripped of spoofable identity headers and
/// `sso_*` cookies) and the signed-in user (`None` on public paths).
pub async fn handle<F, Fut>(req: Request, env: &Env, app: F) -> Response
where
    F: FnOnce(Request, Option<Identity>) -> Fut,
    Fut: Future<Output = worker::Result<Response>>,
{
    serve(req, env, false, app).await
}

/// [`handle`], where `to_origin` points the request `app` gets at the configured origin.
async fn serve<F, Fut>(req: Request, env: &Env, to_origin: bool, app: F) -> Response
where
    F: FnOnce(Request, Option<Identity>) -> Fut,
    Fut: Future<Output = worker::Result<Response>>,
{
    let request_id = request_id(&req);
    let wants_html = wants_html(&req);
    let settings = runtime::settings(env);
    let settings = match settings.as_ref() {
        Ok(s) => s,
        Err(e) => {
            LogLine {
                event: "config",
                org: None,
                outcome: "error",
                request_id: &request_id,
                status: Some(500),
                reason: Some(&e.to_string()),
            }
            .emit();
            return Failure::new(500, "server_error", "The sign-in service is misconfigured.").into_response(wants_html);
        }
    };
    let Ok(url) = req.url() else {
        return Failure::new(400, "invalid_request", "Bad request URL.").into_response(wants_html);
    };
    let base_url = settings.config.base_url.clone().unwrap_or_else(|| url.origin().ascii_serialization());
    let forward_to = if to_origin { settings.config.origin.as_deref() } else { None };
    let org_cache = orgs::isolate_cache();
    let ctx = Ctx { env, settings, base_url, request_id, wants_html, now: runtime::now(), forward_to, org_cache };
    let path = url.path().to_owned();
    // The method as sent (`worker::Method` reads unknown methods as GET).
    let method = match req.inner().method().as_str() {
        "GET" | "HEAD" => routes::Method::Read,
        "POST" => routes::Method::Post,
        "PUT" => routes::Method::Put,
        "DELETE" => routes::Method::Delete,
        _ => routes::Method::Other,
    };
    match routes::route(method, &path) {
        Route::Page(page) => handlers::answer(&ctx, req, page).await,
        Route::Admin(call) => admin::route(&ctx, req, call).await,
        Route::SetupPage(token) => selfserve::wizard(&ctx, token).await,
        Route::SetupAction(token) => selfserve::wizard_step(&ctx, req, token).await,
        Route::Console => selfserve::console(&ctx, req, false).await,
        Route::ConsoleAction => selfserve::console(&ctx, req, true).await,
        Route::MethodNotAllowed => Failure::new(405, "method_not_allowed", "Method not allowed.").into_response(ctx.wants_html),
        Route::NotFound => Failure::new(404, "not_found", "No such page.").into_response(ctx.wants_html),
        Route::App => protect::serve(&ctx, req, &path, app).await,
    }
}

fn request_id(req: &Request) -> String {
    if let Ok(Some(ray)) = req.headers().get("cf-ray") {
        if ray.len() <= 64 && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return ray;
        }
    }
    // Unique enough for logs: a random prefix per isolate and a counter.
    thread_local! {
        static PREFIX: String = runtime::random::<6>().map(|r| crate::session::cookie::hex(&r)).unwrap_or_default();
        static COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let n = COUNTER.with(|c| {
        c.set(c.get().wrapping_add(1));
        c.get()
    });
    PREFIX.with(|p| format!("{p}-{n}"))
}

/// A browser navigation: `Accept` includes `text/html`.
fn wants_html(req: &Request) -> bool {
    req.headers().get("accept").ok().flatten().is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

#[cfg(feature = "proxy")]
mod proxy_entry {
    use worker::{event, Context, Env, Request, Response, Result};

    /// The ready-made proxy: every authenticated request goes to the configured origin.
    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        // The request the app gets already points at the origin: send it as it is.
        Ok(super::serve(req, &env, true, |req, _user| async move { worker::Fetch::Request(req).send().await }).await)
    }
}
