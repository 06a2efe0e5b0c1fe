//! The `SsoState` Durable Object (a single instance) over Workers storage: the signing
//! key under one key, each stored org under `org:{id}`, setup links and domain claims
//! as JSON text under `invite:{org}` and `claims:{org}`; the messages and rules are
//! [`crate::sso_state`]'s.
#![allow(missing_docs)] // the glue #[durable_object] generates has no docs

use worker::{durable_object, wasm_bindgen, DurableObject, Env, ListOptions, Request, Response, Result, State};

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
#[durable_object]
pub struct SsoState {
    state: State,
}

impl DurableObject for SsoState {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let answer = match req.json::<StateRequest>().await {
            Ok(request) => apply(self, request).await.unwrap_or_else(|e| StateResponse::Failed { reason: e.0 }),
            Err(_) => StateResponse::Failed { reason: "unreadable request".into() },
        };
        Response::from_json(&answer)
    }
}

impl StateStorage for SsoState {
    async fn signing_key(&self) -> std::result::Result<Option<String>, StorageError> {
        self.state.storage().get::<String>(SIGNING_KEY).await.map_err(failed)
    }

    async fn store_name_key(&self) -> std::result::Result<Option<String>, StorageError> {
        self.state.storage().get::<String>(STORE_NAME_KEY).await.map_err(failed)
    }

    async fn set_store_name_key(&self, key: &str) -> std::result::Result<(), StorageError> {
        self.state.storage().put(STORE_NAME_KEY, key).await.map_err(failed)
    }

    async fn set_signing_key(&self, jwk: &str) -> std::result::Result<(), StorageError> {
        self.state.storage().put(SIGNING_KEY, jwk).await.map_err(failed)
    }

    async fn new_signing_key(&self) -> std::result::Result<String, StorageError> {
        super::webcrypto::generate_es256_jwk().await.map_err(|e| StorageError(e.into()))
    }

    async fn orgs(&self) -> std::result::Result<Vec<RawOrg>, StorageError> {
        let map = self.state.storage().list_with_options(ListOptions::new().prefix(ORG_PREFIX)).await.map_err(failed)?;
        Ok(map.values().into_iter().filter_map(|v| serde_wasm_bindgen::from_value::<RawOrg>(v.ok()?).ok()).collect())
    }

    async fn put_org(&self, org: &RawOrg) -> std::result::Result<bool, StorageError> {
        let key = format!("{ORG_PREFIX}{}", org.id);
        let existed = self.state.storage().get::<RawOrg>(&key).await.map_err(failed)?.is_some();
        self.state.storage().put(&key, org).await.map_err(failed)?;
        Ok(existed)
    }

    async fn delete_org(&self, id: &str) -> std::result::Result<bool, StorageError> {
        self.state.storage().delete(&format!("{ORG_PREFIX}{id}")).await.map_err(failed)
    }

    async fn records(&self, prefix: &str) -> std::result::Result<Vec<String>, StorageError> {
        let map = self.state.storage().list_with_options(ListOptions::new().prefix(prefix)).await.map_err(failed)?;
        Ok(map.values().into_iter().filter_map(|v| v.ok()?.as_string()).collect())
    }

    async fn put_record(&self, key: &str, json: &str) -> std::result::Result<(), StorageError> {
        self.state.storage().put(key, json).await.map_err(failed)
    }

    async fn delete_record(&self, key: &str) -> std::result::Result<bool, StorageError> {
        self.state.storage().delete(key).await.map_err(failed)
    }
}

fn failed(e: worker::Error) -> StorageError {
    StorageError(e.to_string())
}
