//! The identity providers' documents, discovery metadata and JWKS: fetched, parsed
//! before anything is cached, kept per isolate and in a shared cache for an hour, with
//! forced JWKS refetches (an unknown `kid`) at most one a minute per key set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::{FlowError, Io, NetError, IDP_TIMEOUT_MS};
use crate::jose::{JwkSet, MAX_JWKS_BYTES};
use crate::oidc::discovery::{discovery_url, parse_provider_metadata, ProviderMetadata, MAX_DISCOVERY_BYTES};
use crate::oidc::{IdpError, OutgoingRequest};

/// How long documents are trusted without refetching, in seconds.
pub const DOCUMENT_TTL_SECS: u64 = 3600;
/// Minimum spacing of forced JWKS refetches, in seconds.
pub const FORCED_REFETCH_SPACING_SECS: u64 = 60;

/// A cache shared by every isolate (Workers KV); optional, so it cannot fail.
#[allow(async_fn_in_trait)]
pub trait SharedCache {
    /// The value under `key`, if cached.
    async fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Caches `body` under `key` for `ttl_secs`.
    async fn put(&self, key: &str, body: &[u8], ttl_secs: u64);
}

/// What one isolate remembers: documents with the time they were fetched, and the
/// last forced refetch of each key set.
#[derive(Default)]
pub struct Documents {
    metadata: HashMap<String, (Rc<ProviderMetadata>, u64)>,
    jwks: HashMap<String, (Rc<JwkSet>, u64)>,
    last_forced: HashMap<String, u64>,
}

/// The provider metadata of `issuer`, checked against it.
pub async fn provider_metadata(
    io: &impl Io,
    shared: &impl SharedCache,
    cache: &RefCell<Documents>,
    issuer: &str,
) -> Result<Rc<ProviderMetadata>, FlowError> {
    let now = io.now();
    if let Some((meta, at)) = cache.borrow().metadata.get(issuer).cloned() {
        if now < at + DOCUMENT_TTL_SECS {
            return Ok(meta);
        }
    }
    let key = format!("discovery:{issuer}");
    let body = match shared.get(&key).await {
        Some(body) => body,
        None => {
            let body = fetch(io, &discovery_url(issuer), MAX_DISCOVERY_BYTES).await?;
            // Parse before caching so a bad document is never cached.
            parse_provider_metadata(&body, issuer)?;
            shared.put(&key, &body, DOCUMENT_TTL_SECS).await;
            body
        }
    };
    let meta = Rc::new(parse_provider_metadata(&body, issuer)?);
    cache.borrow_mut().metadata.insert(issuer.to_owned(), (meta.clone(), now));
    Ok(meta)
}

/// The key set at `jwks_uri`; with `force`, refetched unless that was done in the last
/// minute (then the cached set itself comes back).
pub async fn jwks(
    io: &impl Io,
    shared: &impl SharedCache,
    cache: &RefCell<Documents>,
    jwks_uri: &str,
    force: bool,
) -> Result<Rc<JwkSet>, FlowError> {
    let now = io.now();
    let cached = cache.borrow().jwks.get(jwks_uri).cloned();
    if let Some((keys, at)) = &cached {
        if !force && now < at + DOCUMENT_TTL_SECS {
            return Ok(keys.clone());
        }
        let recently = cache.borrow().last_forced.get(jwks_uri).is_some_and(|at| now < at + FORCED_REFETCH_SPACING_SECS);
        if force && recently {
            return Ok(keys.clone());
        }
    }
    let key = format!("jwks:{jwks_uri}");
    let from_shared = if force { None } else { shared.get(&key).await };
    let body = match from_shared {
        Some(body) => body,
        None => {
            if force {
                cache.borrow_mut().last_forced.insert(jwks_uri.to_owned(), now);
            }
            let body = fetch(io, jwks_uri, MAX_JWKS_BYTES).await?;
            JwkSet::parse(&body).map_err(|e| misbehaving(format!("unreadable JWKS: {e}")))?;
            shared.put(&key, &body, DOCUMENT_TTL_SECS).await;
            body
        }
    };
    let keys = Rc::new(JwkSet::parse(&body).map_err(|e| misbehaving(format!("unreadable JWKS: {e}")))?);
    cache.borrow_mut().jwks.insert(jwks_uri.to_owned(), (keys.clone(), now));
    Ok(keys)
}

async fn fetch(io: &impl Io, url: &str, max: usize) -> Result<Vec<u8>, FlowError> {
    let request =
        OutgoingRequest { method: "GET", url: url.to_owned(), headers: vec![("accept".into(), "application/json".into())], body: None };
    match io.send(&request, IDP_TIMEOUT_MS, max).await {
        Ok(r) if r.status == 200 => Ok(r.body),
        Ok(r) => Err(misbehaving(format!("{url} answered {}", r.status))),
        Err(NetError::TooLarge) => Err(misbehaving(format!("{url} answered too much"))),
        Err(NetError::Timeout) => Err(FlowError::Idp(IdpError::Unreachable(format!("{url} timed out")))),
        Err(NetError::Unreachable) => Err(FlowError::Idp(IdpError::Unreachable(format!("{url} unreachable")))),
    }
}

fn misbehaving(reason: String) -> FlowError {
    FlowError::Idp(IdpError::Misbehaving(reason))
}
