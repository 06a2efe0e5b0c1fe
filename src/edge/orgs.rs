//! The orgs in effect for a request: the static configuration plus those stored
//! through the admin API (read from the `SsoState` Durable Object, so a change takes
//! effect on the next request in every location).

use std::rc::Rc;

use worker::Env;

use super::answer::Failure;
use super::store::state_call;
use super::Ctx;
use crate::admin::AdminApi;
use crate::config::{OrgConfig, RawOrg};
use crate::sso_state::{StateRequest, StateResponse};

/// Every org in effect ([`crate::settings::Settings::orgs_with`]), read at most once per request.
pub(crate) async fn all(ctx: &Ctx<'_>) -> Result<Rc<Vec<OrgConfig>>, Failure> {
    if let Some(orgs) = ctx.orgs.get() {
        return Ok(orgs.clone());
    }
    let stored = if matches!(ctx.settings.admin, AdminApi::Disabled) { Vec::new() } else { stored(ctx.env).await? };
    let orgs = Rc::new(ctx.settings.orgs_with(stored));
    let _ = ctx.orgs.set(orgs.clone());
    Ok(orgs)
}

/// The orgs stored through the admin API.
pub(crate) async fn stored(env: &Env) -> Result<Vec<RawOrg>, Failure> {
    match state_call(env, &StateRequest::ListOrgs).await? {
        StateResponse::Orgs { orgs } => Ok(orgs),
        _ => Err(Failure::store_unavailable("stored orgs unreadable")),
    }
}
