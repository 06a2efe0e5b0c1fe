//! The setup wizard (`/_sso/setup/{token}`) and the operator's console (`/_sso/admin/`)
//! over Workers: read the request, run [`crate::flows`]' wizard or console, write the page.

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::net::read_body;
use super::{protect, Ctx};
use crate::flows::{self, ConsoleAccess, ConsoleFailure, LoginStart, SetupOutcome, MAX_SETUP_FORM_BYTES};
use crate::pages::{console_page, setup_done_page, setup_page};
use crate::same_origin::is_same_origin;

/// `GET /_sso/setup/{token}`.
pub(crate) async fn wizard(ctx: &Ctx<'_>, token: &str) -> Response {
    let traced = flows::setup_page(&ctx.io(), ctx.site(), token).await;
    match traced.result {
        Ok(view) => answer::html(200, &setup_page(&ctx.settings.config.branding, &view)),
        Err(f) => ctx.fail("setup", traced.org.as_deref(), f.into()),
    }
}

/// `POST /_sso/setup/{token}`.
pub(crate) async fn wizard_step(ctx: &Ctx<'_>, mut req: Request, token: &str) -> Response {
    let same_origin = same_origin(ctx, &req);
    let form = read_body(&mut req, MAX_SETUP_FORM_BYTES).await.unwrap_or_default();
    let traced = flows::setup_action(&ctx.io(), ctx.site(), token, same_origin, &form).await;
    let org = traced.org.as_deref();
    let brand = &ctx.settings.config.branding;
    match traced.result {
        Ok(SetupOutcome::Page(view, status)) => {
            ctx.log("setup", org, "refused", Some(status), view.error.as_deref());
            answer::html(status, &setup_page(brand, &view))
        }
        Ok(SetupOutcome::Saved(location)) => answer::redirect(303, &location, &[]),
        Ok(SetupOutcome::ToIdp(LoginStart::ToIdp { location, cookie_name, cookie_value })) => {
            ctx.log("setup_test_sign_in", org, "redirect", Some(303), None);
            let cookie =
                super::cookies::set(&cookie_name, &cookie_value, "/_sso/callback", crate::login::LOGIN_STATE_TTL_SECS, ctx.secure());
            answer::redirect(303, &location, &[cookie])
        }
        Ok(SetupOutcome::ToIdp(_)) => ctx.fail("setup", org, Failure::internal("unexpected login start")),
        Ok(SetupOutcome::Activated(id)) => {
            ctx.log("setup_activated", Some(&id), "ok", Some(200), None);
            answer::html(200, &setup_done_page(brand, &id, &ctx.base_url))
        }
        Err(f) => ctx.fail("setup", org, f.into()),
    }
}

/// `GET` or `POST /_sso/admin/`: the console, for the operator's staff only.
pub(crate) async fn console(ctx: &Ctx<'_>, mut req: Request, post: bool) -> Response {
    let current = protect::current_session(ctx, &req).await.result;
    let session = match current {
        Ok(session) => session,
        Err(e) => return ctx.fail("console", None, e.into()),
    };
    let operator = match flows::console_access(ctx.site(), session.as_ref().map(|(_, s)| &s.record.user)) {
        ConsoleAccess::Allowed(email) => email,
        ConsoleAccess::Disabled => return Failure::new(404, "not_found", "No such page.").into_response(ctx.wants_html),
        ConsoleAccess::SignIn if ctx.wants_html && !post => {
            return answer::redirect(302, "/_sso/login?return_to=%2F_sso%2Fadmin%2F", &[]);
        }
        ConsoleAccess::SignIn => return Failure::new(401, "unauthenticated", "Sign in first.").into_response(ctx.wants_html),
        ConsoleAccess::Forbidden => {
            return ctx.fail("console", None, Failure::new(403, "forbidden", "This console is for the operator's staff only."))
        }
    };
    let key = session.as_ref().map(|(handle, _)| handle.storage_key()).unwrap_or_default();
    let brand = &ctx.settings.config.branding;
    if !post {
        return match flows::console(&ctx.io(), ctx.site(), &operator, &key).await {
            Ok(view) => answer::html(200, &console_page(brand, &view)),
            Err(e) => ctx.fail("console", None, e.into()),
        };
    }
    let same_origin = same_origin(ctx, &req);
    let form = read_body(&mut req, MAX_SETUP_FORM_BYTES).await.unwrap_or_default();
    match flows::console_action(&ctx.io(), ctx.site(), &operator, &key, same_origin, &form).await {
        Ok(view) => {
            let status = view.notice.as_ref().map_or(200, |(_, status)| *status);
            ctx.log("console_action", None, if status == 200 { "ok" } else { "refused" }, Some(status), None);
            answer::html(status, &console_page(brand, &view))
        }
        Err(ConsoleFailure::Forbidden) => {
            ctx.fail("console_action", None, Failure::new(403, "forbidden", "This form must be sent from the console itself."))
        }
        Err(ConsoleFailure::Failed(e)) => ctx.fail("console_action", None, e.into()),
    }
}

fn same_origin(ctx: &Ctx<'_>, req: &Request) -> bool {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    is_same_origin(header("origin").as_deref(), header("sec-fetch-site").as_deref(), &ctx.base_url)
}
