//! The `SsoState` Durable Object (a single instance): the generated assertion signing
//! key, created once and shared by every isolate, and the orgs added through the
//! admin API (strongly consistent, so a change is seen by the next request anywhere).
#![allow(missing_docs)] // the glue #[durable_object] generates has no docs

use worker::{durable_object, wasm_bindgen, DurableObject, Env, ListOptions, Method, Request, Response, Result, State};

use crate::admin::check_conflicts;
use crate::config::RawOrg;
use crate::jose::AssertionSigningKey;

/// Durable Object binding of the shared state.
pub(crate) const STATE_BINDING: &str = "SSO_STATE";
/// Name of the one instance.
pub(crate) const STATE_NAME: &str = "global";

const SIGNING_KEY: &str = "assertion-signing-key";
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
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Get, "/signing-key") => self.signing_key().await,
            (Method::Get, "/orgs") => Response::from_json(&self.stored_orgs().await?),
            (Method::Put, p) if p.starts_with("/orgs/") => {
                let org: RawOrg = req.json().await?;
                self.put_org(org).await
            }
            (Method::Delete, p) if p.starts_with("/orgs/") => {
                let id = p.trim_start_matches("/orgs/");
                let existed = self.state.storage().delete(&format!("{ORG_PREFIX}{id}")).await?;
                Response::ok(if existed { "deleted" } else { "absent" }).map(|r| r.with_status(if existed { 200 } else { 404 }))
            }
            _ => Response::error("not found", 404),
        }
    }
}

impl SsoState {
    async fn signing_key(&self) -> Result<Response> {
        let storage = self.state.storage();
        if let Some(jwk) = storage.get::<String>(SIGNING_KEY).await? {
            return Response::ok(jwk);
        }
        let key = AssertionSigningKey::generate().map_err(|e| worker::Error::RustError(e.to_string()))?;
        let jwk = key.to_private_jwk().expose().to_owned();
        storage.put(SIGNING_KEY, &jwk).await?;
        Response::ok(jwk)
    }

    async fn stored_orgs(&self) -> Result<Vec<RawOrg>> {
        let map = self.state.storage().list_with_options(ListOptions::new().prefix(ORG_PREFIX)).await?;
        let mut orgs = Vec::new();
        for value in map.values() {
            if let Ok(org) = serde_wasm_bindgen::from_value::<RawOrg>(value?) {
                orgs.push(org);
            }
        }
        Ok(orgs)
    }

    /// Stores `org` unless another stored org claims one of its domains (409).
    async fn put_org(&self, org: RawOrg) -> Result<Response> {
        let Ok(new) = org.clone().validate("org", &|_| None) else { return Response::error("invalid org", 400) };
        let others: Vec<_> = self.stored_orgs().await?.into_iter().filter_map(|o| o.validate("org", &|_| None).ok()).collect();
        if let Err(e) = check_conflicts(&new, &others) {
            return Response::error(e.to_string(), 409);
        }
        let existed = self.state.storage().get::<RawOrg>(&format!("{ORG_PREFIX}{}", new.id)).await?.is_some();
        self.state.storage().put(&format!("{ORG_PREFIX}{}", new.id), &org).await?;
        Response::ok(if existed { "replaced" } else { "created" })
    }
}
