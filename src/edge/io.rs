//! [`Io`] over the Workers runtime: `fetch` with time and size bounds, the Durable
//! Objects, the cached IdP documents, signatures (WebCrypto), the assertion key, the
//! clock and the CSPRNG.

use std::rc::Rc;
use std::time::Duration;

use super::answer::Failure;
use super::idp::Kv;
use super::{idp, net, orgs, protect, runtime, store, webcrypto, Ctx};
use crate::config::OrgConfig;
use crate::flows::{documents, FlowError, HttpResponse, Io, NetError, Site};
use crate::jose::{AssertionSigningKey, JwkSet, SignatureVerifier, SigningAlgorithm, VerifyingJwk};
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::OutgoingRequest;
use crate::session::address::StoreAddress;
use crate::session::store::{StoreRequest, StoreResponse};

/// The flows' effects, for one request.
pub(crate) struct EdgeIo<'c, 'a>(pub(crate) &'c Ctx<'a>);

impl Ctx<'_> {
    /// What the flows know about this deployment.
    pub(crate) fn site(&self) -> Site<'_> {
        Site { config: &self.settings.config, keys: &self.settings.keys, base_url: &self.base_url }
    }

    /// The flows' effects.
    pub(crate) fn io(&self) -> EdgeIo<'_, '_> {
        EdgeIo(self)
    }
}

/// Issuer signatures through WebCrypto.
impl SignatureVerifier for EdgeIo<'_, '_> {
    async fn verifies(&self, key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        webcrypto::verifies(key, alg, message, signature).await
    }
}

impl Io for EdgeIo<'_, '_> {
    async fn send(&self, request: &OutgoingRequest, timeout_ms: u64, max_body: usize) -> Result<HttpResponse, NetError> {
        net::send(request, Duration::from_millis(timeout_ms), max_body).await
    }

    async fn store(&self, store: &StoreAddress, request: &StoreRequest) -> Result<StoreResponse, FlowError> {
        store::call(self.0.env, store, request).await.map_err(FlowError::from)
    }

    async fn orgs(&self) -> Result<Rc<Vec<OrgConfig>>, FlowError> {
        orgs::all(self.0).await.map_err(FlowError::from)
    }

    fn org_cache(&self) -> &std::cell::RefCell<crate::flows::orgs::OrgCache> {
        &self.0.org_cache
    }

    async fn provider_metadata(&self, issuer: &str) -> Result<Rc<ProviderMetadata>, FlowError> {
        documents::provider_metadata(self, &Kv(self.0.env), &idp::documents(), issuer).await
    }

    async fn jwks(&self, jwks_uri: &str, force: bool) -> Result<Rc<JwkSet>, FlowError> {
        let keys = documents::jwks(self, &Kv(self.0.env), &idp::documents(), jwks_uri, force).await?;
        webcrypto::key_set_current(jwks_uri, &keys);
        Ok(keys)
    }

    async fn assertion_key(&self) -> Result<Rc<AssertionSigningKey>, FlowError> {
        protect::signing_key(self.0).await.map_err(FlowError::from)
    }

    async fn sign_es256(&self, key: &AssertionSigningKey, message: &[u8]) -> Result<Vec<u8>, FlowError> {
        webcrypto::sign_es256(key, message).await.map_err(|e| FlowError::Internal(format!("assertion signing: {e}")))
    }

    async fn store_name_key(&self) -> Result<[u8; 32], FlowError> {
        store::name_key(self.0).await.map_err(FlowError::from)
    }

    async fn sleep(&self, ms: u64) {
        worker::Delay::from(Duration::from_millis(ms)).await;
    }

    fn now(&self) -> u64 {
        self.0.now
    }

    fn random(&self, out: &mut [u8]) -> Result<(), FlowError> {
        runtime::fill_random(out).map_err(|_| FlowError::Internal("no randomness available".into()))
    }
}

/// A platform failure of the adapter's own (store, state object) as a flow error.
impl From<Failure> for FlowError {
    fn from(f: Failure) -> Self {
        match f.status {
            503 => Self::Store(f.log_reason),
            _ => Self::Internal(f.log_reason),
        }
    }
}
