//! The orgs in effect for a request: the static configuration plus those stored
//! through the admin API (read from the `SsoState` Durable Object, so a change takes
//! effect on the next request in every location).

use std::rc::Rc;

use worker::{Env, Method};

use super::answer::Failure;
use super::store::state_call;
use super::Ctx;
use crate::config::{OrgConfig, RawOrg};

/// Every org: static ones first, then stored ones (stored orgs never shadow static ids).
pub(crate) async fn all(ctx: &Ctx<'_>) -> Result<Rc<Vec<OrgConfig>>, Failure> {
    if let Some(orgs) = ctx.orgs.get() {
        return Ok(orgs.clone());
    }
    let mut orgs = ctx.settings.config.orgs.clone();
    if ctx.settings.admin_token.is_some() {
        for raw in stored(ctx.env).await? {
            if orgs.iter().any(|o| o.id == raw.id) {
                continue;
            }
            if let Ok(org) = raw.validate("stored org", &|_| None) {
                orgs.push(org);
            }
        }
    }
    let orgs = Rc::new(orgs);
    let _ = ctx.orgs.set(orgs.clone());
    Ok(orgs)
}

/// The org with this id.
pub(crate) async fn find(ctx: &Ctx<'_>, id: &str) -> Result<Option<OrgConfig>, Failure> {
    Ok(all(ctx).await?.iter().find(|o| o.id == id).cloned())
}

/// The orgs stored through the admin API.
pub(crate) async fn stored(env: &Env) -> Result<Vec<RawOrg>, Failure> {
    let mut resp = state_call(env, Method::Get, "/orgs", None).await?;
    resp.json().await.map_err(|_| Failure::store_unavailable("stored orgs unreadable"))
}
