//! Signatures through the runtime's WebCrypto (`crypto.subtle`): the issuers' JWT
//! signatures verified, the assertion key generated, checked and used to sign. Each
//! `CryptoKey` is imported once per isolate and cached by its JWK (a key WebCrypto
//! refuses is cached as unusable and verifies nothing); a refetched key set drops the
//! keys it no longer lists.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::jose::{base64url, AssertionSigningKey, JwkSet, PublicKey, SigningAlgorithm, VerifyingJwk};

/// Imported issuer keys kept per isolate before the cache is emptied (a bound: key sets
/// hold at most 100 keys, and a key is imported once per algorithm it verifies).
const MAX_CACHED_KEYS: usize = 512;
/// What the assertion key signs to prove its public half matches its private half.
const KEY_CHECK_MESSAGE: &[u8] = b"edge-sso assertion key check";

#[wasm_bindgen]
extern "C" {
    /// The runtime's `SubtleCrypto`.
    type Subtle;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(
        this: &Subtle,
        format: &str,
        key: &JsValue,
        algorithm: &JsValue,
        extractable: bool,
        usages: &JsValue,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(this: &Subtle, algorithm: &JsValue, key: &JsValue, signature: &[u8], data: &[u8]) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn sign(this: &Subtle, algorithm: &JsValue, key: &JsValue, data: &[u8]) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = generateKey)]
    fn generate_key(this: &Subtle, algorithm: &JsValue, extractable: bool, usages: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = exportKey)]
    fn export_key(this: &Subtle, format: &str, key: &JsValue) -> Result<Promise, JsValue>;
}

/// An issuer key as WebCrypto holds it, with the parameters its signatures verify under.
struct Imported {
    key: JsValue,
    params: JsValue,
}

/// The assertion key as WebCrypto holds it.
struct AssertionKey {
    kid: String,
    key: JsValue,
    params: JsValue,
}

/// Issuer keys by algorithm and JWK material; `None`: WebCrypto refused the key.
type KeyCache = HashMap<(SigningAlgorithm, PublicKey), Option<Rc<Imported>>>;

thread_local! {
    static SUBTLE: RefCell<Option<Rc<Subtle>>> = const { RefCell::new(None) };
    static KEYS: RefCell<KeyCache> = RefCell::new(HashMap::new());
    /// The key set last seen at each `jwks_uri`.
    static SETS: RefCell<HashMap<String, Rc<JwkSet>>> = RefCell::new(HashMap::new());
    static ASSERTION_KEY: RefCell<Option<Rc<AssertionKey>>> = const { RefCell::new(None) };
}

/// Whether `signature` over `message` verifies under `key` with `alg`. Any refusal
/// (an unimportable key, a malformed signature) is `false`.
pub(crate) async fn verifies(key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool {
    if !key.fits(alg) || !signature_length_fits(key.public_key(), alg, signature.len()) {
        return false;
    }
    let (Some(subtle), Some(imported)) = (subtle(), imported(key.public_key(), alg).await) else { return false };
    let Ok(promise) = subtle.verify(&imported.params, &imported.key, signature, message) else { return false };
    JsFuture::from(promise).await.is_ok_and(|verified| verified.is_truthy())
}

/// Records the key set now current at `jwks_uri`: when it replaced another, the keys
/// only the old one listed are dropped from the cache.
pub(crate) fn key_set_current(jwks_uri: &str, keys: &Rc<JwkSet>) {
    if SETS.with(|sets| sets.borrow().get(jwks_uri).is_some_and(|seen| Rc::ptr_eq(seen, keys))) {
        return;
    }
    let previous = SETS.with(|sets| sets.borrow_mut().insert(jwks_uri.to_owned(), keys.clone()));
    let Some(previous) = previous.filter(|previous| !Rc::ptr_eq(previous, keys)) else { return };
    let gone: Vec<&PublicKey> = previous
        .keys()
        .iter()
        .map(VerifyingJwk::public_key)
        .filter(|old| !keys.keys().iter().any(|new| new.public_key() == *old))
        .collect();
    if !gone.is_empty() {
        KEYS.with(|cache| cache.borrow_mut().retain(|(_, material), _| !gone.contains(&material)));
    }
}

/// The ES256 signature (raw `r || s`) of `message` under the assertion key.
pub(crate) async fn sign_es256(key: &AssertionSigningKey, message: &[u8]) -> Result<Vec<u8>, &'static str> {
    let imported = assertion_key(key).await?;
    let subtle = subtle().ok_or("no WebCrypto")?;
    let promise = subtle.sign(&imported.params, &imported.key, message).map_err(|_| "WebCrypto refused to sign")?;
    let signature = JsFuture::from(promise).await.map_err(|_| "WebCrypto refused to sign")?;
    Ok(Uint8Array::new(&signature).to_vec())
}

/// Imports the assertion key, and proves its public half (`x`, `y`) is its private
/// half's by verifying a signature it makes; then signing needs no import.
pub(crate) async fn check_assertion_key(key: &AssertionSigningKey) -> Result<(), &'static str> {
    let signature = sign_es256(key, KEY_CHECK_MESSAGE).await?;
    let public = VerifyingJwk::from_public_jwk(&key.public_jwk()).ok_or("x and y are not a P-256 point")?;
    if verifies(&public, SigningAlgorithm::Es256, KEY_CHECK_MESSAGE, &signature).await {
        Ok(())
    } else {
        ASSERTION_KEY.with(|cached| cached.borrow_mut().take());
        Err("x and y do not match d")
    }
}

/// A fresh ES256 private JWK from WebCrypto's key generation.
pub(crate) async fn generate_es256_jwk() -> Result<String, &'static str> {
    let subtle = subtle().ok_or("no WebCrypto")?;
    let algorithm = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let promise = subtle.generate_key(&algorithm, true, &usages).map_err(|_| "WebCrypto refused to generate a key")?;
    let pair = JsFuture::from(promise).await.map_err(|_| "WebCrypto could not generate a key")?;
    let private = Reflect::get(&pair, &"privateKey".into()).map_err(|_| "no private key")?;
    let promise = subtle.export_key("jwk", &private).map_err(|_| "WebCrypto refused to export the key")?;
    let jwk = JsFuture::from(promise).await.map_err(|_| "WebCrypto could not export the key")?;
    js_sys::JSON::stringify(&jwk).ok().and_then(|json| json.as_string()).ok_or("unreadable exported key")
}

/// The cached import of `material` for `alg`, importing it on first use.
async fn imported(material: &PublicKey, alg: SigningAlgorithm) -> Option<Rc<Imported>> {
    let cache_key = (alg, material.clone());
    if let Some(cached) = KEYS.with(|cache| cache.borrow().get(&cache_key).cloned()) {
        return cached;
    }
    let fresh = import(material, alg).await.map(Rc::new);
    KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= MAX_CACHED_KEYS {
            cache.clear();
        }
        cache.insert(cache_key, fresh.clone());
    });
    fresh
}

/// Imports a public key for `alg`: RSA as a JWK, EC as a raw uncompressed point.
async fn import(material: &PublicKey, alg: SigningAlgorithm) -> Option<Imported> {
    let subtle = subtle()?;
    let (format, data) = match material {
        PublicKey::Rsa { n, e } => {
            ("jwk", object(&[("kty", "RSA".into()), ("n", base64url::encode(n).into()), ("e", base64url::encode(e).into())]).into())
        }
        PublicKey::P256 { x, y } | PublicKey::P384 { x, y } => {
            let mut point = Vec::with_capacity(1 + x.len() + y.len());
            point.push(0x04);
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            ("raw", Uint8Array::from(point.as_slice()).into())
        }
    };
    let (import_params, params) = parameters(alg);
    let usages = Array::of1(&"verify".into());
    let promise = subtle.import_key(format, &data, &import_params, false, &usages).ok()?;
    let key = JsFuture::from(promise).await.ok()?;
    Some(Imported { key, params })
}

/// The import and the verify parameters of `alg` (RFC 7518 §3; PSS salt = hash length).
fn parameters(alg: SigningAlgorithm) -> (JsValue, JsValue) {
    let pkcs1 = |hash: &str| {
        let name = "RSASSA-PKCS1-v1_5";
        (object(&[("name", name.into()), ("hash", hash.into())]), object(&[("name", name.into())]))
    };
    let pss = |hash: &str, salt: u32| {
        (object(&[("name", "RSA-PSS".into()), ("hash", hash.into())]), object(&[("name", "RSA-PSS".into()), ("saltLength", salt.into())]))
    };
    let ecdsa = |curve: &str, hash: &str| {
        (object(&[("name", "ECDSA".into()), ("namedCurve", curve.into())]), object(&[("name", "ECDSA".into()), ("hash", hash.into())]))
    };
    let (import, verify) = match alg {
        SigningAlgorithm::Rs256 => pkcs1("SHA-256"),
        SigningAlgorithm::Rs384 => pkcs1("SHA-384"),
        SigningAlgorithm::Rs512 => pkcs1("SHA-512"),
        SigningAlgorithm::Ps256 => pss("SHA-256", 32),
        SigningAlgorithm::Ps384 => pss("SHA-384", 48),
        SigningAlgorithm::Ps512 => pss("SHA-512", 64),
        SigningAlgorithm::Es256 => ecdsa("P-256", "SHA-256"),
        SigningAlgorithm::Es384 => ecdsa("P-384", "SHA-384"),
    };
    (import.into(), verify.into())
}

/// JWS ECDSA signatures are raw `r || s` of twice the coordinate size (RFC 7518 §3.4):
/// anything else (a DER encoding, say) is refused before WebCrypto sees it; RSA
/// signatures are as long as the modulus.
fn signature_length_fits(material: &PublicKey, alg: SigningAlgorithm, len: usize) -> bool {
    match (material, alg) {
        (PublicKey::P256 { .. }, SigningAlgorithm::Es256) => len == 64,
        (PublicKey::P384 { .. }, SigningAlgorithm::Es384) => len == 96,
        (PublicKey::Rsa { n, .. }, _) => len == n.len(),
        _ => false,
    }
}

/// The assertion key's import, made once per isolate (and again if the key changed).
async fn assertion_key(key: &AssertionSigningKey) -> Result<Rc<AssertionKey>, &'static str> {
    if let Some(cached) = ASSERTION_KEY.with(|cached| cached.borrow().clone()).filter(|cached| cached.kid == key.kid()) {
        return Ok(cached);
    }
    let subtle = subtle().ok_or("no WebCrypto")?;
    let jwk = js_sys::JSON::parse(key.to_private_jwk().expose()).map_err(|_| "unreadable private key")?;
    // WebCrypto checks `key_ops` and `alg` against the import: leave them out.
    for member in ["kid", "alg", "use"] {
        let _ = Reflect::delete_property(jwk.unchecked_ref::<Object>(), &member.into());
    }
    let algorithm = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
    let usages = Array::of1(&"sign".into());
    let promise = subtle.import_key("jwk", &jwk, &algorithm, false, &usages).map_err(|_| "WebCrypto refused the key")?;
    let imported = JsFuture::from(promise).await.map_err(|_| "WebCrypto refused the key")?;
    let params = object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]).into();
    let fresh = Rc::new(AssertionKey { kid: key.kid().to_owned(), key: imported, params });
    ASSERTION_KEY.with(|cached| *cached.borrow_mut() = Some(fresh.clone()));
    Ok(fresh)
}

/// `globalThis.crypto.subtle`, looked up once per isolate.
fn subtle() -> Option<Rc<Subtle>> {
    if let Some(subtle) = SUBTLE.with(|s| s.borrow().clone()) {
        return Some(subtle);
    }
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok().filter(|s| s.is_object())?;
    let subtle = Rc::new(subtle.unchecked_into::<Subtle>());
    SUBTLE.with(|s| *s.borrow_mut() = Some(subtle.clone()));
    Some(subtle)
}

/// A plain object of string-keyed members.
fn object(members: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in members {
        // invariant: setting a member of a fresh plain object cannot throw.
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}
