//! Talking to the Durable Objects: an org's session store (`SessionStore`) and the
//! worker-wide `SsoState`.

use worker::{Env, Method, Request, RequestInit};

use super::answer::Failure;
use super::state_store::{STATE_BINDING, STATE_NAME};
use crate::session::store::{StoreRequest, StoreResponse};
use crate::sso_state::{StateRequest, StateResponse};

/// Durable Object binding of the session stores.
pub(crate) const SESSIONS_BINDING: &str = "SSO_SESSIONS";

/// Sends one request to the store named `store_name` and returns its answer.
pub(crate) async fn call(env: &Env, store_name: &str, request: &StoreRequest) -> Result<StoreResponse, Failure> {
    let body = serde_json::to_string(request).map_err(|_| Failure::internal("store request not serializable"))?;
    let stub = env
        .durable_object(SESSIONS_BINDING)
        .and_then(|ns| ns.get_by_name(store_name))
        .map_err(|e| Failure::store_unavailable(format!("session store binding: {e}")))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://session-store/", &init).map_err(|_| Failure::internal("store request"))?;
    let resp = stub.fetch_with_request(req).await.map_err(|e| Failure::store_unavailable(format!("session store call: {e}")))?;
    let text = super::net::js_text(web_sys::Response::from(resp).text()).await.unwrap_or_default();
    let answer: StoreResponse = serde_json::from_str(&text).map_err(|_| Failure::store_unavailable("session store answer unreadable"))?;
    if let StoreResponse::Failed { reason } = &answer {
        return Err(Failure::store_unavailable(format!("session store failed: {reason}")));
    }
    Ok(answer)
}

/// One call to the worker-wide `SsoState` object (signing key, stored orgs).
pub(crate) async fn state_call(env: &Env, request: &StateRequest) -> Result<StateResponse, Failure> {
    let body = serde_json::to_string(request).map_err(|_| Failure::internal("state request not serializable"))?;
    let stub = env
        .durable_object(STATE_BINDING)
        .and_then(|ns| ns.get_by_name(STATE_NAME))
        .map_err(|e| Failure::store_unavailable(format!("state binding: {e}")))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://sso-state/", &init).map_err(|_| Failure::internal("state request"))?;
    let resp = stub.fetch_with_request(req).await.map_err(|e| Failure::store_unavailable(format!("state call: {e}")))?;
    let text = super::net::js_text(web_sys::Response::from(resp).text()).await.unwrap_or_default();
    match serde_json::from_str(&text) {
        Ok(StateResponse::Failed { reason }) => Err(Failure::store_unavailable(format!("state failed: {reason}"))),
        Ok(answer) => Ok(answer),
        Err(_) => Err(Failure::store_unavailable("state answer unreadable")),
    }
}
