//! The `SsoState` Durable Object (a single instance) over Workers storage: the signing
//! key under one key, each stored org under `org:{id}`, setup links and domain claims
//! as JSON text under `invite:{org}` and `claims:{org}`; the messages and rules are
//! [`crate::sso_state`]'s.
//!
//! The class the runtime sees is `SsoState` of `src/edge/entry.js`, a `DurableObject` that
//! hands every RPC call to this object (exported to JavaScript as `RustSsoState`).

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::worker_sys::DurableObjectState;
use worker::{ListOptions, State};

use crate::config::RawOrg;
use crate::sso_state::{apply, StateRequest, StateResponse, StateStorage, StorageError};

/// Durable Object binding of the shared state.
pub(crate) const STATE_BINDING: &str = "SSO_STATE";
/// Name of the one instance.
pub(crate) const STATE_NAME: &str = "global";

const SIGNING_KEY: &str = "assertion-signing-key";
const STORE_NAME_KEY: &str = "store-name-key";
const ORG_PREFIX: &str = "org:";

/// Worker-wide state that must be strongly consistent.
#[wasm_bindgen(js_name = RustSsoState)]
pub struct SsoState {
    state: State,
}

#[wasm_bindgen(js_class = RustSsoState)]
impl SsoState {
    /// The object over its state.
    #[wasm_bindgen(constructor)]
    pub fn new(state: DurableObjectState) -> Self {
        Self { state: State::from(state) }
    }

    /// Applies one [`StateRequest`] (JSON text); resolves to the [`StateResponse`] as JSON
    /// text. Never rejects: a failure is `StateResponse::Failed`.
    pub async fn call(&self, message: String) -> Result<JsValue, JsValue> {
        let answer = match serde_json::from_str::<StateRequest>(&message) {
            Ok(request) => apply(self, request).await.unwrap_or_else(|e| StateResponse::Failed { reason: e.0 }),
            Err(_) => StateResponse::Failed { reason: "unreadable request".into() },
        };
        let json =
            serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"result":"failed","reason":"answer not serializable"}"#.to_owned());
        Ok(JsValue::from_str(&json))
    }
}

impl StateStorage for SsoState {
    async fn signing_key(&self) -> Result<Option<String>, StorageError> {
        self.state.storage().get::<String>(SIGNING_KEY).await.map_err(failed)
    }

    async fn store_name_key(&self) -> Result<Option<String>, StorageError> {
        self.state.storage().get::<String>(STORE_NAME_KEY).await.map_err(failed)
    }

    async fn set_store_name_key(&self, key: &str) -> Result<(), StorageError> {
        self.state.storage().put(STORE_NAME_KEY, key).await.map_err(failed)
    }

    async fn set_signing_key(&self, jwk: &str) -> Result<(), StorageError> {
        self.state.storage().put(SIGNING_KEY, jwk).await.map_err(failed)
    }

    async fn new_signing_key(&self) -> Result<String, StorageError> {
        super::webcrypto::generate_es256_jwk().await.map_err(|e| StorageError(e.into()))
    }

    async fn orgs(&self) -> Result<Vec<RawOrg>, StorageError> {
        let map = self.state.storage().list_with_options(ListOptions::new().prefix(ORG_PREFIX)).await.map_err(failed)?;
        Ok(map.values().into_iter().filter_map(|v| serde_wasm_bindgen::from_value::<RawOrg>(v.ok()?).ok()).collect())
    }

    async fn put_org(&self, org: &RawOrg) -> Result<bool, StorageError> {
        let key = format!("{ORG_PREFIX}{}", org.id);
        let existed = self.state.storage().get::<RawOrg>(&key).await.map_err(failed)?.is_some();
        self.state.storage().put(&key, org).await.map_err(failed)?;
        Ok(existed)
    }

    async fn delete_org(&self, id: &str) -> Result<bool, StorageError> {
        self.state.storage().delete(&format!("{ORG_PREFIX}{id}")).await.map_err(failed)
    }

    async fn records(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let map = self.state.storage().list_with_options(ListOptions::new().prefix(prefix)).await.map_err(failed)?;
        Ok(map.values().into_iter().filter_map(|v| v.ok()?.as_string()).collect())
    }

    async fn put_record(&self, key: &str, json: &str) -> Result<(), StorageError> {
        self.state.storage().put(key, json).await.map_err(failed)
    }

    async fn delete_record(&self, key: &str) -> Result<bool, StorageError> {
        self.state.storage().delete(key).await.map_err(failed)
    }
}

fn failed(e: worker::Error) -> StorageError {
    StorageError(e.to_string())
}
