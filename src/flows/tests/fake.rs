//! The fake [`Io`]: one org (`acme`) whose IdP is scripted per URL, in-memory Durable
//! Objects (user objects, login states, directories) that apply [`StoreRequest`]s as the
//! real ones do, and switches to make each effect fail (every object, or one by name).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use serde_json::{json, Value};

use crate::config::{Config, OrgConfig, RawOrg};
use crate::fixtures::{es256_token, jwks, keys, p256_jwk};
use crate::flows::{FlowError, HttpResponse, Io, NetError, OrgDirectory, Site};
use crate::jose::{AssertionSigningKey, JwkSet, RustCrypto, SignatureVerifier, SigningAlgorithm, VerifyingJwk};
use crate::keys::DerivedKeys;
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::{IdpError, OutgoingRequest};
use crate::secret::Secret;
use crate::session::address::StoreAddress;
use crate::session::cookie::public_session_id;
use crate::session::store::{ActiveSession, ListedSession, RevokeTarget, StoreRequest, StoreResponse, UserScope};
use crate::session::SessionRecord;
use crate::sso_state::{StateRequest, StateResponse};

pub(super) const NOW: u64 = 1_800_000_000;
pub(super) const ISSUER: &str = "https://acme.idp.test";
pub(super) const TOKEN_URL: &str = "https://acme.idp.test/token";
pub(super) const USERINFO_URL: &str = "https://acme.idp.test/userinfo";
pub(super) const ORIGIN_PROVISION_URL: &str = "https://origin.test/provision";
pub(super) const BASE_URL: &str = "https://app.test";
pub(super) const KID: &str = "k1";

/// The configuration the fake serves; `extra` is merged into the JSON first.
pub(super) fn config(extra: Value) -> Config {
    let mut sso = json!({
        "base_url": BASE_URL,
        "public_paths": ["/public"],
        "orgs": [{"id": "acme", "issuer": ISSUER, "client_id": "client-1", "client_secret": "s3cret",
                  "domains": ["acme.test"], "signing_algs": ["ES256"]},
                 {"id": "globex", "issuer": "https://globex.idp.test", "client_id": "client-2", "client_secret": "s3cret",
                  "domains": ["globex.test"], "signing_algs": ["ES256"]}]
    });
    if let (Some(base), Some(extra)) = (sso.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    Config::parse(&sso.to_string(), &|_| None).expect("test config")
}

/// The JWKS publishing the token key (`p256_a`) under `kid`.
pub(super) fn idp_keys(kid: &str) -> JwkSet {
    jwks(&[p256_jwk(&keys().p256_a, Some(kid), Some("ES256"))])
}

/// A token signed by the IdP's key with `kid` (ES256) and `typ`.
pub(super) fn signed(claims: &Value, kid: Option<&str>, typ: Option<&str>) -> String {
    let mut header = json!({"alg": "ES256"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    if let Some(typ) = typ {
        header["typ"] = json!(typ);
    }
    es256_token(&header, claims)
}

/// A JSON answer.
pub(super) fn answer(status: u16, body: &Value) -> Result<HttpResponse, NetError> {
    Ok(HttpResponse { status, content_type: Some("application/json".into()), body: body.to_string().into_bytes() })
}

/// The fake effects; every field is public to the cases for scripting and inspection.
pub(super) struct FakeIo {
    pub(super) config: Config,
    pub(super) keys: DerivedKeys,
    pub(super) now: Cell<u64>,
    /// Scripted answers per URL, used in order (the last one repeats).
    pub(super) answers: RefCell<HashMap<String, VecDeque<Result<HttpResponse, NetError>>>>,
    /// Every request sent.
    pub(super) sent: RefCell<Vec<OutgoingRequest>>,
    /// The key set served; `rotated` replaces it on a forced refetch.
    pub(super) jwks: RefCell<Rc<JwkSet>>,
    pub(super) rotated: RefCell<Option<Rc<JwkSet>>>,
    pub(super) forced_refetches: Cell<u32>,
    pub(super) metadata_error: RefCell<Option<FlowError>>,
    pub(super) orgs_error: RefCell<Option<FlowError>>,
    pub(super) store_error: RefCell<Option<FlowError>>,
    pub(super) store: RefCell<FakeStore>,
    pub(super) slept: RefCell<Vec<u64>>,
    pub(super) assertion_key: Rc<AssertionSigningKey>,
    /// The orgs stored through the admin API.
    pub(super) stored: RefCell<Vec<RawOrg>>,
    /// How often the orgs were read from their source ([`Io::orgs`]).
    pub(super) org_reads: Cell<usize>,
    /// The isolate's copy of the orgs.
    pub(super) org_cache: RefCell<crate::flows::orgs::OrgCache>,
    /// The state object (setup links, domain claims), applying the real rules.
    pub(super) state: crate::sso_state::tests::Memory,
}

/// Every Durable Object (user objects, login-state objects, directories), in memory.
#[derive(Default)]
pub(super) struct FakeStore {
    /// One-time values, as `{object}/{key}`.
    pub(super) once: HashSet<String>,
    /// Sessions by storage key: (the user object holding it, the record).
    pub(super) sessions: HashMap<String, (String, SessionRecord)>,
    /// When each session was last used (a counter: least recently used first).
    pub(super) used: HashMap<String, u64>,
    /// Known users: (directory, subject) → email.
    pub(super) users: HashMap<(String, String), Option<String>>,
    pub(super) fingerprints: HashMap<(String, String), String>,
    /// IdP sessions: (directory, sid) → subjects.
    pub(super) sids: HashMap<(String, String), Vec<String>>,
    /// Revocation watermarks by user object.
    pub(super) watermarks: HashMap<String, u64>,
    /// Objects that cannot be reached, by name.
    pub(super) unreachable: HashSet<String>,
    /// Every request, with the object it went to.
    pub(super) log: Vec<(String, StoreRequest)>,
    /// Directories' org stamps.
    pub(super) stamps: HashMap<String, String>,
    tick: u64,
}

impl FakeIo {
    pub(super) fn new(config: Config) -> Self {
        Self {
            config,
            keys: DerivedKeys::derive(&Secret::new("a test session secret that is long enough")),
            now: Cell::new(NOW),
            answers: RefCell::default(),
            sent: RefCell::default(),
            jwks: RefCell::new(Rc::new(idp_keys(KID))),
            rotated: RefCell::default(),
            forced_refetches: Cell::new(0),
            metadata_error: RefCell::default(),
            orgs_error: RefCell::default(),
            store_error: RefCell::default(),
            store: RefCell::default(),
            slept: RefCell::default(),
            assertion_key: Rc::new(AssertionSigningKey::generate().expect("key")),
            stored: RefCell::default(),
            org_reads: Cell::new(0),
            org_cache: RefCell::default(),
            state: crate::sso_state::tests::Memory::default(),
        }
    }

    pub(super) fn site(&self) -> Site<'_> {
        Site { config: &self.config, keys: &self.keys, base_url: BASE_URL }
    }

    /// Scripts the answers of `url`, in order.
    pub(super) fn script(&self, url: &str, answers: Vec<Result<HttpResponse, NetError>>) {
        self.answers.borrow_mut().insert(url.to_owned(), answers.into());
    }

    /// Requests sent to `url`.
    pub(super) fn sent_to(&self, url: &str) -> Vec<OutgoingRequest> {
        self.sent.borrow().iter().filter(|r| r.url == url).cloned().collect()
    }
}

/// Signatures in pure Rust, as every native build checks them.
impl SignatureVerifier for FakeIo {
    async fn verifies(&self, key: &VerifyingJwk, alg: SigningAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        RustCrypto.verifies(key, alg, message, signature).await
    }
}

impl Io for FakeIo {
    async fn send(&self, request: &OutgoingRequest, _timeout_ms: u64, max_body: usize) -> Result<HttpResponse, NetError> {
        self.sent.borrow_mut().push(request.clone());
        let mut answers = self.answers.borrow_mut();
        let queue = answers.get_mut(&request.url).ok_or(NetError::Unreachable)?;
        let next = if queue.len() > 1 { queue.pop_front() } else { queue.front().cloned() };
        let resp = next.ok_or(NetError::Unreachable)??;
        if resp.body.len() > max_body {
            return Err(NetError::TooLarge);
        }
        Ok(resp)
    }

    async fn store(&self, address: &StoreAddress, request: &StoreRequest) -> Result<StoreResponse, FlowError> {
        if let Some(e) = self.store_error.borrow().clone() {
            return Err(e);
        }
        // An object of a jurisdiction is another object than one of that name elsewhere:
        // it is known here as `{jurisdiction}/{name}`.
        let store_name = &match address.jurisdiction {
            Some(j) => format!("{}/{}", j.as_str(), address.name),
            None => address.name.clone(),
        };
        let mut store = self.store.borrow_mut();
        store.log.push((store_name.to_owned(), request.clone()));
        if store.unreachable.contains(store_name) {
            return Err(FlowError::Store(format!("object {store_name} unreachable")));
        }
        Ok(store.apply(store_name, request.clone()))
    }

    /// As the adapter: the static orgs, then the stored ones (admin API, setup links)
    /// with their domain claims, read from the stores every time.
    async fn orgs(&self) -> Result<Rc<Vec<OrgConfig>>, FlowError> {
        if let Some(e) = self.orgs_error.borrow().clone() {
            return Err(e);
        }
        self.org_reads.set(self.org_reads.get() + 1);
        let (in_state, claims) = match crate::sso_state::apply(&self.state, StateRequest::ListOrgs).await {
            Ok(StateResponse::Orgs { orgs, claims }) => (orgs, claims),
            _ => (Vec::new(), Vec::new()),
        };
        // `put_org` writes `stored`: its version of an org comes first.
        let mut stored = self.stored.borrow().clone();
        stored.extend(in_state);
        let orgs = crate::settings::merge_orgs(&self.config.orgs, stored, &claims);
        Ok(Rc::new(orgs))
    }

    fn org_cache(&self) -> &RefCell<crate::flows::orgs::OrgCache> {
        &self.org_cache
    }

    async fn provider_metadata(&self, issuer: &str) -> Result<Rc<ProviderMetadata>, FlowError> {
        if let Some(e) = self.metadata_error.borrow().clone() {
            return Err(e);
        }
        Ok(Rc::new(ProviderMetadata {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: format!("{issuer}/token"),
            jwks_uri: format!("{issuer}/jwks"),
            userinfo_endpoint: Some(format!("{issuer}/userinfo")),
            end_session_endpoint: Some(format!("{issuer}/logout")),
        }))
    }

    async fn jwks(&self, _jwks_uri: &str, force: bool) -> Result<Rc<JwkSet>, FlowError> {
        if force {
            self.forced_refetches.set(self.forced_refetches.get() + 1);
            if let Some(rotated) = self.rotated.borrow_mut().take() {
                *self.jwks.borrow_mut() = rotated;
            }
        }
        Ok(self.jwks.borrow().clone())
    }

    async fn assertion_key(&self) -> Result<Rc<AssertionSigningKey>, FlowError> {
        Ok(self.assertion_key.clone())
    }

    async fn sign_es256(&self, key: &AssertionSigningKey, message: &[u8]) -> Result<Vec<u8>, FlowError> {
        key.sign_raw(message).map_err(|e| FlowError::Internal(e.to_string()))
    }

    async fn store_name_key(&self) -> Result<[u8; 32], FlowError> {
        Ok(*self.keys.initial_store_name())
    }

    async fn sleep(&self, ms: u64) {
        self.slept.borrow_mut().push(ms);
    }

    fn now(&self) -> u64 {
        self.now.get()
    }

    fn random(&self, out: &mut [u8]) -> Result<(), FlowError> {
        getrandom::getrandom(out).map_err(|_| FlowError::Internal("no randomness".into()))
    }
}

impl OrgDirectory for FakeIo {
    async fn stored_orgs(&self) -> Result<Vec<RawOrg>, FlowError> {
        Ok(self.stored.borrow().clone())
    }

    async fn put_org(&self, org: &RawOrg) -> Result<(), Result<String, FlowError>> {
        let mut stored = self.stored.borrow_mut();
        if stored.iter().any(|o| o.id != org.id && o.domains.iter().any(|d| org.domains.contains(d))) {
            return Err(Ok("a domain is taken".into()));
        }
        stored.retain(|o| o.id != org.id);
        stored.push(org.clone());
        Ok(())
    }

    async fn delete_org(&self, id: &str) -> Result<bool, FlowError> {
        let mut stored = self.stored.borrow_mut();
        let before = stored.len();
        stored.retain(|o| o.id != id);
        Ok(stored.len() < before)
    }

    async fn state(&self, request: StateRequest) -> Result<StateResponse, FlowError> {
        match crate::sso_state::apply(&self.state, request).await {
            Ok(StateResponse::Failed { reason }) | Err(crate::sso_state::StorageError(reason)) => Err(FlowError::Store(reason)),
            Ok(answer) => Ok(answer),
        }
    }
}

impl FakeStore {
    /// Applies one request as the Durable Object named `store` does (without timeouts).
    fn apply(&mut self, store: &str, request: StoreRequest) -> StoreResponse {
        let at = |subject: &str| (store.to_owned(), subject.to_owned());
        self.tick += 1;
        match request {
            StoreRequest::Consume { once, .. } => {
                StoreResponse::Consumed { first: self.once.insert(format!("{store}/{}", once.storage_key())) }
            }
            StoreRequest::Create { key, record, policy, issued_at, .. } => {
                if self.watermarks.get(store).is_some_and(|w| issued_at < *w) {
                    return StoreResponse::LoggedOutSince;
                }
                self.sessions.insert(key.clone(), (store.to_owned(), *record));
                self.used.insert(key, self.tick);
                let mut mine: Vec<(u64, String)> =
                    self.sessions.iter().filter(|(_, (s, _))| s == store).map(|(k, _)| (self.used[k], k.clone())).collect();
                mine.sort();
                let excess = mine.len().saturating_sub(policy.max_per_user as usize);
                for (_, k) in mine.into_iter().take(excess) {
                    self.sessions.remove(&k);
                }
                StoreResponse::Done
            }
            StoreRequest::End { key } => StoreResponse::Ended {
                record: self
                    .sessions
                    .get(&key)
                    .filter(|(s, _)| s == store)
                    .is_some()
                    .then(|| self.sessions.remove(&key))
                    .flatten()
                    .map(|(_, r)| Box::new(r)),
            },
            StoreRequest::EndSessions { scope, watermark, .. } => {
                if let Some(w) = watermark {
                    let entry = self.watermarks.entry(store.to_owned()).or_default();
                    *entry = (*entry).max(w);
                }
                let before = self.sessions.len();
                self.sessions.retain(|_, (s, r)| {
                    !(s == store
                        && match &scope {
                            UserScope::All => true,
                            UserScope::IdpSession { sid } => r.idp_sid.as_ref() == Some(sid),
                        })
                });
                StoreResponse::EndedSessions { sessions: (before - self.sessions.len()) as u64 }
            }
            StoreRequest::List { current, .. } => {
                let mut sessions: Vec<ListedSession> = self
                    .sessions
                    .iter()
                    .filter(|(_, (s, _))| s == store)
                    .map(|(k, (_, r))| ListedSession {
                        id: public_session_id(k),
                        created_at: r.created_at,
                        last_seen_at: r.last_seen,
                        user_agent: None,
                        country: None,
                        current: *k == current,
                    })
                    .collect();
                sessions.sort_by_key(|s| std::cmp::Reverse(s.last_seen_at));
                StoreResponse::Sessions { sessions }
            }
            StoreRequest::EndListed { id, current, .. } => {
                let before = self.sessions.len();
                if id == "others" {
                    self.sessions.retain(|k, (s, _)| !(s == store && *k != current));
                } else {
                    let found = self.sessions.iter().find(|(k, (s, _))| s == store && public_session_id(k) == id).map(|(k, _)| k.clone());
                    let Some(key) = found else { return StoreResponse::NotFound };
                    self.sessions.remove(&key);
                }
                StoreResponse::EndedSessions { sessions: (before - self.sessions.len()) as u64 }
            }
            StoreRequest::Register { subject, email, sid, .. } => {
                self.users.insert(at(&subject), email.map(|e| e.to_lowercase()));
                if let Some(sid) = sid {
                    let subjects = self.sids.entry(at(&sid)).or_default();
                    if !subjects.contains(&subject) {
                        subjects.push(subject.clone());
                    }
                }
                StoreResponse::Fingerprint { fingerprint: self.fingerprints.get(&at(&subject)).cloned() }
            }
            StoreRequest::RecordProvisioned { subject, fingerprint } => {
                self.fingerprints.insert(at(&subject), fingerprint);
                StoreResponse::Done
            }
            StoreRequest::Resolve { target, jti, .. } => {
                if let Some((jti, _)) = jti {
                    if !self.once.insert(format!("{store}/{}", jti.storage_key())) {
                        return StoreResponse::Replayed;
                    }
                }
                let known: Vec<String> = self.users.keys().filter(|(d, _)| d == store).map(|(_, s)| s.clone()).collect();
                let (user_known, subjects) = match target {
                    RevokeTarget::Everyone { after } => {
                        let mut known: Vec<String> = known.into_iter().filter(|s| after.as_ref().is_none_or(|a| s > a)).collect();
                        known.sort();
                        known.truncate(crate::session::tables::MAX_RESOLVED);
                        (true, known)
                    }
                    RevokeTarget::Subject { subject } => (known.contains(&subject), vec![subject]),
                    RevokeTarget::IdpSession { subject: Some(subject), .. } => (true, vec![subject]),
                    RevokeTarget::IdpSession { sid, subject: None } => (true, self.sids.get(&at(&sid)).cloned().unwrap_or_default()),
                    RevokeTarget::Email { email } => {
                        let found: Vec<String> = self
                            .users
                            .iter()
                            .filter(|((d, _), e)| d == store && e.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email)))
                            .map(|((_, s), _)| s.clone())
                            .collect();
                        (!found.is_empty(), found)
                    }
                };
                StoreResponse::Resolved { user_known, subjects }
            }
            StoreRequest::Release { jti } => {
                self.once.remove(&format!("{store}/{}", jti.storage_key()));
                StoreResponse::Done
            }
            StoreRequest::Touch { key, now, .. } => {
                let found = self.sessions.get(&key).filter(|(s, _)| s == store).map(|(_, record)| record.clone());
                if found.is_some() {
                    self.used.insert(key, self.tick);
                }
                StoreResponse::Session { session: found.map(|record| Box::new(ActiveSession { record, expires_at: now + 100 })) }
            }
            StoreRequest::OrgStamp => StoreResponse::OrgStamp { stamp: self.stamps.get(store).cloned() },
            StoreRequest::SetOrgStamp { stamp } => {
                self.stamps.insert(store.to_owned(), stamp);
                StoreResponse::Done
            }
            StoreRequest::Purge => {
                self.users.retain(|(d, _), _| d != store);
                self.sessions.retain(|_, (s, _)| s != store);
                StoreResponse::Done
            }
            // A user object's live sessions; a directory's last sign-in (its users' objects' names start with its own).
            StoreRequest::Stats { .. } => StoreResponse::Stats {
                live_sessions: self.sessions.values().filter(|(s, _)| s == store).count() as u64,
                last_sign_in: self.sessions.values().filter(|(s, _)| s.starts_with(store)).map(|(_, r)| r.created_at).max(),
            },
        }
    }
}

/// An IdP that could not be reached, as the adapter reports it.
pub(super) fn idp_down() -> FlowError {
    FlowError::Idp(IdpError::Unreachable("discovery unreachable".into()))
}
