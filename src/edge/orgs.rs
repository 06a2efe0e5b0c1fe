//! The orgs in effect for a request: the static configuration plus those stored
//! through the admin API (read from the `SsoState` Durable Object, so a change takes
//! effect on the next request in every location).

use std::rc::Rc;

use worker::Env;

use super::answer::Failure;
use super::store::state_call;
use super::Ctx;
use crate::config::{OrgConfig, RawOrg};
use crate::sso_state::{OrgClaims, StateRequest, StateResponse};

/// Every org in effect ([`crate::settings::Settings::orgs_with`]), read at most once per request.
pub(crate) async fn all(ctx: &Ctx<'_>) -> Result<Rc<Vec<OrgConfig>>, Failure> {
    if let Some(orgs) = ctx.orgs.get() {
        return Ok(orgs.clone());
    }
    let (stored, claims) = if ctx.settings.stores_orgs() { stored(ctx.env).await? } else { (Vec::new(), Vec::new()) };
    let orgs = Rc::new(ctx.settings.orgs_with(stored, &claims));
    let _ = ctx.orgs.set(orgs.clone());
    Ok(orgs)
}

/// The orgs stored through the admin API or a setup link, and their domain claims.
pub(crate) async fn stored(env: &Env) -> Result<(Vec<RawOrg>, Vec<OrgClaims>), Failure> {
    match state_call(env, &StateRequest::ListOrgs).await? {
        StateResponse::Orgs { orgs, claims } => Ok((orgs, claims)),
        _ => Err(Failure::store_unavailable("stored orgs unreadable")),
    }
}
