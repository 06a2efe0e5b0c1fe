//! Talking to the Durable Objects: the `SessionStore` objects (a user's sessions, a login state, an org's directory) and the
//! worker-wide `SsoState`.
//!
//! Every call is a JavaScript RPC call, `stub.call(message)`, to the classes of
//! `src/edge/entry.js`: the typed message serialized once as JSON text, the answer JSON
//! text; no HTTP request is built.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{Env, ObjectNamespace, Stub};

use super::answer::{Failure, LogLine};
use super::state_store::{STATE_BINDING, STATE_NAME};
use super::Ctx;
use crate::session::address::{Jurisdiction, StoreAddress};
use crate::session::cookie::hex;
use crate::session::store::{StoreRequest, StoreResponse};
use crate::sso_state::{StateRequest, StateResponse};

/// Durable Object binding of the session stores.
pub(crate) const SESSIONS_BINDING: &str = "SSO_SESSIONS";

#[wasm_bindgen]
extern "C" {
    /// A Durable Object stub, seen through the one RPC method of `src/edge/entry.js`.
    #[wasm_bindgen(extends = js_sys::Object)]
    type ObjectRpc;

    /// `stub.call(message)`: the message's JSON text in, a promise of the answer's out.
    #[wasm_bindgen(method, catch)]
    fn call(this: &ObjectRpc, message: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Sends one request to the store at `store` and returns its answer.
pub(crate) async fn call(env: &Env, store: &StoreAddress, request: &StoreRequest) -> Result<StoreResponse, Failure> {
    let message = serde_json::to_string(request).map_err(|_| Failure::internal("store request not serializable"))?;
    let stub = env
        .durable_object(SESSIONS_BINDING)
        .and_then(|ns| stub_of(ns, store))
        .map_err(|e| Failure::store_unavailable(format!("session store binding: {e}")))?;
    let text = rpc(stub, &message).await.map_err(|e| Failure::store_unavailable(format!("session store call: {e}")))?;
    let answer: StoreResponse = serde_json::from_str(&text).map_err(|_| Failure::store_unavailable("session store answer unreadable"))?;
    if let StoreResponse::Failed { reason } = &answer {
        return Err(Failure::store_unavailable(format!("session store failed: {reason}")));
    }
    Ok(answer)
}

/// What workerd (`wrangler dev`, the tests) answers `namespace.jurisdiction(…)`: it runs
/// on one machine and implements no jurisdiction. Cloudflare does.
const NO_JURISDICTIONS_HERE: &str = "Jurisdiction restrictions are not implemented in workerd";

thread_local! {
    static TOLD_NO_JURISDICTIONS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The stub of the object at `store`: created and run only in its jurisdiction, if any.
/// Only a runtime that says it implements no jurisdiction at all (workerd on a developer's
/// machine) gets a local object instead, and the log says so once; any other failure is one.
fn stub_of(ns: ObjectNamespace, store: &StoreAddress) -> worker::Result<Stub> {
    let Some(jurisdiction) = store.jurisdiction else { return ns.get_by_name(&store.name) };
    if TOLD_NO_JURISDICTIONS.with(std::cell::Cell::get) {
        // Known since the first try in this isolate: no error thrown and caught per call.
        return ns.get_by_name(&store.name);
    }
    match in_jurisdiction(ns.clone(), jurisdiction).and_then(|scoped| scoped.get_by_name(&store.name)) {
        Err(e) if e.to_string().contains(NO_JURISDICTIONS_HERE) => {
            if !TOLD_NO_JURISDICTIONS.with(|told| told.replace(true)) {
                let reason =
                    "this runtime (workerd) implements no Durable Object jurisdiction: objects of orgs with one are local ones here";
                LogLine { event: "jurisdiction", org: None, outcome: "unsupported", request_id: "", status: None, reason: Some(reason) }
                    .emit();
            }
            ns.get_by_name(&store.name)
        }
        other => other,
    }
}

/// The namespace whose objects are created and run only in `jurisdiction`
/// (`namespace.jurisdiction(name)`, which workers-rs 0.8.7 does not bind).
fn in_jurisdiction(ns: ObjectNamespace, jurisdiction: Jurisdiction) -> worker::Result<ObjectNamespace> {
    let ns = JsValue::from(ns);
    let method = js_sys::Reflect::get(&ns, &JsValue::from_str("jurisdiction"))?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| worker::Error::RustError("namespace.jurisdiction is not a function".into()))?;
    let scoped = method.call1(&ns, &JsValue::from_str(jurisdiction.as_str()))?;
    if !scoped.is_object() {
        return Err(worker::Error::RustError("namespace.jurisdiction answered no namespace".into()));
    }
    Ok(ObjectNamespace::unchecked_from_js(scoped))
}

/// One call to the worker-wide `SsoState` object (signing key, stored orgs).
pub(crate) async fn state_call(env: &Env, request: &StateRequest) -> Result<StateResponse, Failure> {
    let message = serde_json::to_string(request).map_err(|_| Failure::internal("state request not serializable"))?;
    let stub = env
        .durable_object(STATE_BINDING)
        .and_then(|ns| ns.get_by_name(STATE_NAME))
        .map_err(|e| Failure::store_unavailable(format!("state binding: {e}")))?;
    let text = rpc(stub, &message).await.map_err(|e| Failure::store_unavailable(format!("state call: {e}")))?;
    match serde_json::from_str(&text) {
        Ok(StateResponse::Failed { reason }) => Err(Failure::store_unavailable(format!("state failed: {reason}"))),
        Ok(answer) => Ok(answer),
        Err(_) => Err(Failure::store_unavailable("state answer unreadable")),
    }
}

/// `stub.call(message)`, awaited: the answer's JSON text.
async fn rpc(stub: Stub, message: &str) -> Result<String, worker::Error> {
    let promise = stub.into_rpc::<ObjectRpc>().call(message)?;
    let answer = JsFuture::from(promise).await?;
    answer.as_string().ok_or_else(|| worker::Error::RustError("the object answered something other than text".into()))
}

thread_local! {
    static NAME_KEY: std::cell::Cell<Option<[u8; 32]>> = const { std::cell::Cell::new(None) };
}

/// The key that names session stores, kept by `SsoState` since first use (so names
/// survive a rotation of `SSO_SESSION_SECRET`); cached for the isolate's life.
pub(crate) async fn name_key(ctx: &Ctx<'_>) -> Result<[u8; 32], Failure> {
    if let Some(key) = NAME_KEY.with(std::cell::Cell::get) {
        return Ok(key);
    }
    let proposed = hex(ctx.settings.keys.initial_store_name());
    let StateResponse::StoreNameKey { key } = state_call(ctx.env, &StateRequest::StoreNameKey { proposed }).await? else {
        return Err(Failure::store_unavailable("unexpected state answer for the store-name key"));
    };
    let key = parse_hex_key(key.trim()).ok_or_else(|| Failure::store_unavailable("stored store-name key unreadable"))?;
    NAME_KEY.with(|k| k.set(Some(key)));
    Ok(key)
}

fn parse_hex_key(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, out) in key.iter_mut().enumerate() {
        let pair = std::str::from_utf8(bytes.get(2 * i..2 * i + 2)?).ok()?;
        *out = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}
