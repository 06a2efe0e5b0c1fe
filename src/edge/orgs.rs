//! The orgs in effect: the static configuration plus those stored through the admin API
//! (read from the `SsoState` Durable Object, the truth), and the isolate's copy that the
//! sign-in and logout flows go by ([`crate::flows::orgs`]: confirmed per org by its
//! directory's stamp, so a change still takes effect on the next request everywhere).

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use super::answer::Failure;
use super::store::state_call;
use super::Ctx;
use crate::config::{OrgConfig, RawOrg};
use crate::flows::orgs::OrgCache;
use crate::sso_state::{OrgClaims, StateRequest, StateResponse};

thread_local! {
    static ISOLATE_CACHE: Rc<RefCell<OrgCache>> = Rc::default();
}

/// This isolate's copy of the orgs.
pub(crate) fn isolate_cache() -> Rc<RefCell<OrgCache>> {
    ISOLATE_CACHE.with(Rc::clone)
}

/// Every org in effect ([`crate::settings::Settings::orgs_with`]), read now.
pub(crate) async fn all(ctx: &Ctx<'_>) -> Result<Rc<Vec<OrgConfig>>, Failure> {
    let (stored, claims) = if ctx.settings.stores_orgs() { stored(ctx.env).await? } else { (Vec::new(), Vec::new()) };
    Ok(Rc::new(ctx.settings.orgs_with(stored, &claims)))
}

/// The orgs stored through the admin API or a setup link, and their domain claims.
pub(crate) async fn stored(env: &Env) -> Result<(Vec<RawOrg>, Vec<OrgClaims>), Failure> {
    match state_call(env, &StateRequest::ListOrgs).await? {
        StateResponse::Orgs { orgs, claims } => Ok((orgs, claims)),
        _ => Err(Failure::store_unavailable("stored orgs unreadable")),
    }
}
