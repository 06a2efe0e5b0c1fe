//! The `SsoState` Durable Object (a single instance): the generated assertion signing
//! key, created once and shared by every isolate. (Stored orgs live here too.)

use worker::{durable_object, wasm_bindgen, DurableObject, Env, Request, Response, Result, State};

use crate::jose::AssertionSigningKey;

/// Durable Object binding of the shared state.
pub(crate) const STATE_BINDING: &str = "SSO_STATE";
/// Name of the one instance.
pub(crate) const STATE_NAME: &str = "global";

const SIGNING_KEY: &str = "assertion-signing-key";

/// Worker-wide state that must be strongly consistent.
#[durable_object]
pub struct SsoState {
    state: State,
}

impl DurableObject for SsoState {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/signing-key" => {
                let storage = self.state.storage();
                if let Some(jwk) = storage.get::<String>(SIGNING_KEY).await? {
                    return Response::ok(jwk);
                }
                let key = AssertionSigningKey::generate().map_err(|e| worker::Error::RustError(e.to_string()))?;
                let jwk = key.to_private_jwk().expose().to_owned();
                storage.put(SIGNING_KEY, &jwk).await?;
                Response::ok(jwk)
            }
            _ => Response::error("not found", 404),
        }
    }
}
