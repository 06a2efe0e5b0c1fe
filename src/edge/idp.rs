//! The identity providers' documents: discovery metadata and JWKS, fetched through
//! the Workers `fetch`, cached per isolate and in KV, with forced JWKS refetches
//! (unknown `kid`) limited to one a minute per key set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use worker::Env;

use super::answer::Failure;
use super::net::{self, NetError};
use super::runtime::now;
use crate::jose::{JwkSet, MAX_JWKS_BYTES};
use crate::oidc::discovery::{discovery_url, parse_provider_metadata, ProviderMetadata, MAX_DISCOVERY_BYTES};
use crate::oidc::{IdpError, OutgoingRequest};

/// KV binding of the document cache (optional).
const CACHE_BINDING: &str = "SSO_CACHE";
/// How long documents are trusted without refetching, in seconds.
const DOCUMENT_TTL_SECS: u64 = 3600;
/// Minimum spacing of forced JWKS refetches, in seconds.
const FORCED_REFETCH_SPACING_SECS: u64 = 60;
/// Bound on each call to the IdP.
pub(crate) const IDP_TIMEOUT: Duration = Duration::from_secs(10);

struct CachedKeys {
    keys: Rc<JwkSet>,
    fetched_at: u64,
}

thread_local! {
    static METADATA: RefCell<HashMap<String, (Rc<ProviderMetadata>, u64)>> = RefCell::new(HashMap::new());
    static JWKS: RefCell<HashMap<String, CachedKeys>> = RefCell::new(HashMap::new());
    static LAST_FORCED: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
}

/// The provider metadata of `issuer`, checked against it.
pub(crate) async fn metadata(env: &Env, issuer: &str) -> Result<Rc<ProviderMetadata>, Failure> {
    let now = now();
    if let Some((meta, at)) = METADATA.with(|m| m.borrow().get(issuer).cloned()) {
        if now < at + DOCUMENT_TTL_SECS {
            return Ok(meta);
        }
    }
    let kv_key = format!("discovery:{issuer}");
    let body = match kv_get(env, &kv_key).await {
        Some(body) => body,
        None => {
            let body = fetch_document(&discovery_url(issuer), MAX_DISCOVERY_BYTES).await?;
            // Parse before caching so a bad document is never cached.
            parse_provider_metadata(&body, issuer).map_err(idp_failure)?;
            kv_put(env, &kv_key, &body).await;
            body
        }
    };
    let meta = Rc::new(parse_provider_metadata(&body, issuer).map_err(idp_failure)?);
    METADATA.with(|m| m.borrow_mut().insert(issuer.to_owned(), (meta.clone(), now)));
    Ok(meta)
}

/// The key set at `jwks_uri`; with `force`, refetched unless that was done in the last minute.
pub(crate) async fn jwks(env: &Env, jwks_uri: &str, force: bool) -> Result<Rc<JwkSet>, Failure> {
    let now = now();
    let cached = JWKS.with(|j| j.borrow().get(jwks_uri).map(|c| (c.keys.clone(), c.fetched_at)));
    if let Some((keys, at)) = &cached {
        let fresh = now < at + DOCUMENT_TTL_SECS;
        if !force && fresh {
            return Ok(keys.clone());
        }
        if force && !may_force_refetch(jwks_uri, now) {
            return Ok(keys.clone());
        }
    }
    let kv_key = format!("jwks:{jwks_uri}");
    let from_kv = if force { None } else { kv_get(env, &kv_key).await };
    let body = match from_kv {
        Some(body) => body,
        None => {
            if force {
                LAST_FORCED.with(|l| l.borrow_mut().insert(jwks_uri.to_owned(), now));
            }
            let body = fetch_document(jwks_uri, MAX_JWKS_BYTES).await?;
            JwkSet::parse(&body).map_err(|e| Failure::idp_misbehaving(format!("unreadable JWKS: {e}")))?;
            kv_put(env, &kv_key, &body).await;
            body
        }
    };
    let keys = Rc::new(JwkSet::parse(&body).map_err(|e| Failure::idp_misbehaving(format!("unreadable JWKS: {e}")))?);
    JWKS.with(|j| j.borrow_mut().insert(jwks_uri.to_owned(), CachedKeys { keys: keys.clone(), fetched_at: now }));
    Ok(keys)
}

fn may_force_refetch(jwks_uri: &str, now: u64) -> bool {
    LAST_FORCED.with(|l| l.borrow().get(jwks_uri).is_none_or(|at| now >= at + FORCED_REFETCH_SPACING_SECS))
}

async fn fetch_document(url: &str, max: usize) -> Result<Vec<u8>, Failure> {
    let request =
        OutgoingRequest { method: "GET", url: url.to_owned(), headers: vec![("accept".into(), "application/json".into())], body: None };
    match net::send(&request, IDP_TIMEOUT, max).await {
        Ok(r) if r.status == 200 => Ok(r.body),
        Ok(r) if r.status >= 500 => Err(Failure::idp_misbehaving(format!("{url} answered {}", r.status))),
        Ok(r) => Err(Failure::idp_misbehaving(format!("{url} answered {}", r.status))),
        Err(NetError::TooLarge) => Err(Failure::idp_misbehaving(format!("{url} answered too much"))),
        Err(NetError::Timeout) => Err(Failure::idp_unreachable(format!("{url} timed out"))),
        Err(NetError::Unreachable) => Err(Failure::idp_unreachable(format!("{url} unreachable"))),
    }
}

/// Maps a core IdP error to its answer.
pub(crate) fn idp_failure(e: IdpError) -> Failure {
    match e {
        IdpError::Misbehaving(r) => Failure::idp_misbehaving(r),
        IdpError::Unreachable(r) => Failure::idp_unreachable(r),
    }
}

async fn kv_get(env: &Env, key: &str) -> Option<Vec<u8>> {
    let kv = env.kv(CACHE_BINDING).ok()?;
    kv.get(key).text().await.ok().flatten().map(String::into_bytes)
}

async fn kv_put(env: &Env, key: &str, body: &[u8]) {
    let Ok(kv) = env.kv(CACHE_BINDING) else { return };
    let Ok(text) = std::str::from_utf8(body) else { return };
    if let Ok(put) = kv.put(key, text) {
        let _ = put.expiration_ttl(DOCUMENT_TTL_SECS).execute().await;
    }
}
