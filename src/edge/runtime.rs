//! Per-isolate state: the parsed configuration, derived keys and the assertion
//! signing key, built once and reused by every request the isolate serves.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use worker::Env;

use super::answer::Failure;
use crate::config::ConfigError;
use crate::jose::AssertionSigningKey;
pub(crate) use crate::settings::Settings;

thread_local! {
    static SETTINGS: RefCell<Option<Rc<Result<Settings, ConfigError>>>> = const { RefCell::new(None) };
    static SIGNING_KEY: RefCell<Option<Rc<AssertionSigningKey>>> = const { RefCell::new(None) };
}

/// The isolate's settings, parsed from `env` on first use.
pub(crate) fn settings(env: &Env) -> Rc<Result<Settings, ConfigError>> {
    if let Some(s) = SETTINGS.with(|s| s.borrow().clone()) {
        return s;
    }
    let parsed = Rc::new(Settings::from_env(&|name| raw_var(env, name)));
    SETTINGS.with(|s| *s.borrow_mut() = Some(parsed.clone()));
    parsed
}

/// The branding of this isolate's configuration (unbranded while it is invalid).
pub(crate) fn branding() -> crate::config::Branding {
    SETTINGS.with(|s| s.borrow().as_ref().and_then(|s| s.as_ref().as_ref().ok().map(|s| s.config.branding.clone()))).unwrap_or_default()
}

/// A variable or secret as a string: strings as they are, objects as JSON.
pub(crate) fn raw_var(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env, &JsValue::from(name)).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    if let Some(s) = value.as_string() {
        return Some(s);
    }
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// The cached assertion signing key, if loaded.
pub(crate) fn cached_signing_key() -> Option<Rc<AssertionSigningKey>> {
    SIGNING_KEY.with(|k| k.borrow().clone())
}

/// Caches the assertion signing key for this isolate.
pub(crate) fn cache_signing_key(key: AssertionSigningKey) -> Rc<AssertionSigningKey> {
    let key = Rc::new(key);
    SIGNING_KEY.with(|k| *k.borrow_mut() = Some(key.clone()));
    key
}

/// Unix seconds now.
pub(crate) fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// `N` random bytes from the platform's CSPRNG.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], Failure> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|_| Failure::internal("no randomness available"))?;
    Ok(bytes)
}

/// Fills `out` from the platform's CSPRNG.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::getrandom(out)
}
