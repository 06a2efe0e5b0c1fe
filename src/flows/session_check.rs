//! The session behind a request's cookie (one store call, or none within
//! `revalidate_secs` of the last check in this isolate) and its `X-Sso-Assertion`
//! (reused for half its life). What an isolate remembers is bounded.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::access::sign_assertion;
use super::{FlowError, Io, Site, Traced};
use crate::assertion::ASSERTION_TTL_SECS;
use crate::session::cookie::{store_name_for_org, SessionHandle};
use crate::session::store::{ActiveSession, StoreRequest, StoreResponse};

/// An assertion is reused for up to half its life, per session, per isolate.
pub const ASSERTION_REUSE_SECS: u64 = ASSERTION_TTL_SECS / 2;
/// Bound on each per-isolate memory (recently checked sessions, assertions).
pub const MAX_REMEMBERED_SESSIONS: usize = 10_000;

/// What one isolate remembers about sessions, by storage key.
#[derive(Default)]
pub struct Remembered {
    vouched: HashMap<String, (u64, ActiveSession)>,
    assertions: HashMap<String, (u64, Rc<str>)>,
}

impl Remembered {
    /// Forgets a session (after sign-out).
    pub fn forget(&mut self, storage_key: &str) {
        self.vouched.remove(storage_key);
        self.assertions.remove(storage_key);
    }
}

/// The session named by the `sso_session` cookie value, if valid now. A failure names
/// the org when the cookie's store is one of the configuration's.
pub async fn current_session(
    io: &impl Io,
    site: Site<'_>,
    cookie: Option<&str>,
    memory: &RefCell<Remembered>,
) -> Traced<Option<(SessionHandle, ActiveSession)>> {
    // The current secret's key, then the one being rotated out.
    let Some(handle) = cookie.and_then(|v| site.keys.session_cookie_keys().find_map(|k| SessionHandle::decode(v, k))) else {
        return Traced { org: None, result: Ok(None) };
    };
    let directory = handle.directory_name();
    match check(io, site, handle, memory).await {
        Ok(found) => Traced { org: found.as_ref().map(|(_, s)| s.record.user.org.clone()), result: Ok(found) },
        Err(e) => {
            let key = io.store_name_key().await.ok();
            let org = key.and_then(|k| site.config.orgs.iter().find(|o| store_name_for_org(&k, &o.id) == directory).map(|o| o.id.clone()));
            Traced { org, result: Err(e) }
        }
    }
}

async fn check(
    io: &impl Io,
    site: Site<'_>,
    handle: SessionHandle,
    memory: &RefCell<Remembered>,
) -> Result<Option<(SessionHandle, ActiveSession)>, FlowError> {
    let key = handle.storage_key();
    let now = io.now();
    let revalidate = site.config.session.revalidate_secs;
    if revalidate > 0 {
        let vouched = memory.borrow().vouched.get(&key).filter(|(at, s)| now < at + revalidate && now < s.expires_at).cloned();
        if let Some((_, session)) = vouched {
            return Ok(Some((handle, session)));
        }
    }
    let request = StoreRequest::Touch { key: key.clone(), now, limits: Some((&site.config.session).into()) };
    match io.store(&handle.store_address(), &request).await? {
        // A static org moved to another jurisdiction since this sign-in: its directory is
        // elsewhere now, so no logout could find this session: it is no longer valid.
        StoreResponse::Session { session: Some(session) } if moved(site, &handle, &session) => Ok(None),
        StoreResponse::Session { session: Some(session) } => {
            if revalidate > 0 {
                remember(&mut memory.borrow_mut().vouched, key, (now, (*session).clone()));
            }
            Ok(Some((handle, *session)))
        }
        _ => Ok(None),
    }
}

/// Whether the session's org is a static one now configured in another jurisdiction
/// than the one its cookie names (stored orgs cannot change theirs).
fn moved(site: Site<'_>, handle: &SessionHandle, session: &ActiveSession) -> bool {
    site.config.orgs.iter().any(|o| o.id == session.record.user.org && o.jurisdiction != handle.jurisdiction())
}

/// The `X-Sso-Assertion` about a session's user, signed now or reused.
pub async fn assertion(
    io: &impl Io,
    site: Site<'_>,
    storage_key: &str,
    session: &ActiveSession,
    memory: &RefCell<Remembered>,
) -> Result<Rc<str>, FlowError> {
    let now = io.now();
    if let Some((_, jwt)) = memory.borrow().assertions.get(storage_key).filter(|(iat, _)| now < iat + ASSERTION_REUSE_SECS) {
        return Ok(jwt.clone());
    }
    let jwt: Rc<str> = sign_assertion(io, site, &session.record.user).await?.into();
    remember(&mut memory.borrow_mut().assertions, storage_key.to_owned(), (now, jwt.clone()));
    Ok(jwt)
}

/// Inserts, starting over when the bound is reached.
fn remember<V>(map: &mut HashMap<String, V>, key: String, value: V) {
    if map.len() >= MAX_REMEMBERED_SESSIONS {
        map.clear();
    }
    map.insert(key, value);
}
