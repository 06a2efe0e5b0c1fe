//! The identity providers' documents over Workers: the per-isolate cache and Workers
//! KV (`SSO_CACHE`, optional) as the shared cache; the rules are
//! [`crate::flows::documents`]'s.

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use crate::flows::documents::{Documents, SharedCache};

/// KV binding of the document cache (optional).
const CACHE_BINDING: &str = "SSO_CACHE";

thread_local! {
    static DOCUMENTS: Rc<RefCell<Documents>> = Rc::default();
}

/// What this isolate remembers of the IdPs' documents.
pub(crate) fn documents() -> Rc<RefCell<Documents>> {
    DOCUMENTS.with(Rc::clone)
}

/// Workers KV as the shared document cache.
pub(crate) struct Kv<'a>(pub(crate) &'a Env);

impl SharedCache for Kv<'_> {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let kv = self.0.kv(CACHE_BINDING).ok()?;
        kv.get(key).text().await.ok().flatten().map(String::into_bytes)
    }

    async fn put(&self, key: &str, body: &[u8], ttl_secs: u64) {
        let Ok(kv) = self.0.kv(CACHE_BINDING) else { return };
        let Ok(text) = std::str::from_utf8(body) else { return };
        if let Ok(put) = kv.put(key, text) {
            let _ = put.expiration_ttl(ttl_secs).execute().await;
        }
    }
}
