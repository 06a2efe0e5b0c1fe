//! Sign-out started by the user (`POST /_sso/logout`): end the session, then send the
//! browser through the IdP's `end_session_endpoint` when it has one.

use super::{random, FlowError, Io, Site, Traced};
use crate::logout::rp_initiated::end_session_url;
use crate::session::cookie::{hex, SessionHandle};
use crate::session::store::{StoreRequest, StoreResponse};

/// Where a signed-out browser lands when the IdP is not involved.
const LOGGED_OUT_PATH: &str = "/_sso/logged-out";

/// Where the browser goes after its session ended.
#[derive(Debug, PartialEq, Eq)]
pub struct SignedOut {
    /// `/_sso/logged-out`, or the IdP's end-session URL.
    pub location: String,
    /// The `state` sent to the IdP, to keep in the logout-state cookie.
    pub logout_state: Option<String>,
}

impl SignedOut {
    fn locally() -> Self {
        Self { location: LOGGED_OUT_PATH.into(), logout_state: None }
    }
}

/// Ends the session `handle` names (if any).
pub async fn sign_out(io: &impl Io, site: Site<'_>, handle: Option<SessionHandle>) -> Traced<SignedOut> {
    let mut org = None;
    let result = end_session(io, site, handle, &mut org).await;
    Traced { org, result }
}

async fn end_session(
    io: &impl Io,
    site: Site<'_>,
    handle: Option<SessionHandle>,
    org_seen: &mut Option<String>,
) -> Result<SignedOut, FlowError> {
    let Some(handle) = handle else { return Ok(SignedOut::locally()) };
    let ended = io.store(&handle.store_address(), &StoreRequest::End { key: handle.storage_key() }).await?;
    let StoreResponse::Ended { record: Some(record) } = ended else { return Ok(SignedOut::locally()) };
    *org_seen = Some(record.user.org.clone());
    // The local session is gone; an unknown org or an unreachable IdP only skips the IdP's sign-out.
    let Some(org) = super::orgs::org(io, site, &record.user.org).await.ok().flatten() else {
        return Ok(SignedOut::locally());
    };
    let end_session = io.provider_metadata(&org.issuer).await.ok().and_then(|m| m.end_session_endpoint.clone());
    let Some(endpoint) = end_session else { return Ok(SignedOut::locally()) };
    let state = hex(&random::<16>(io)?);
    let post_logout = format!("{}{LOGGED_OUT_PATH}", site.base_url);
    let location = end_session_url(&endpoint, record.id_token.expose(), &post_logout, &state, &org.client_id)
        .map_err(|_| crate::oidc::IdpError::Misbehaving("end_session_endpoint is not a URL".into()))?;
    Ok(SignedOut { location, logout_state: Some(state) })
}
