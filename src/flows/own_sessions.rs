//! A user's own sessions (`GET /_sso/sessions`, `POST /_sso/sessions/end`): listed and
//! ended in the user's object, by opaque ids that are not cookies.

use super::{FlowError, Io};
use crate::session::cookie::{public_session_id, SessionHandle};
use crate::session::store::{ListedSession, StoreRequest, StoreResponse};

/// Longest session id accepted (`others`, or 32 hex digits).
const MAX_ID_LEN: usize = 64;

/// The sessions of the user whose session `handle` names, most recent first.
pub async fn list_sessions(io: &impl Io, handle: &SessionHandle) -> Result<Vec<ListedSession>, FlowError> {
    let request = StoreRequest::List { current: handle.storage_key(), now: io.now() };
    match io.store(&handle.store_address(), &request).await? {
        StoreResponse::Sessions { sessions } => Ok(sessions),
        _ => Err(FlowError::Store("unexpected user object answer".into())),
    }
}

/// What ending listed sessions did.
#[derive(Debug, PartialEq, Eq)]
pub enum EndedOwn {
    /// This many ended; `current`: the asking session was one of them.
    Ended {
        /// How many.
        sessions: u64,
        /// The session asking ended (the browser is signed out here).
        current: bool,
    },
    /// `id` is not one of this user's live sessions: nothing ended.
    NotFound,
}

/// Ends the session listed as `id`, or with `others` every other session of the user.
pub async fn end_own_sessions(io: &impl Io, handle: &SessionHandle, id: &str) -> Result<EndedOwn, FlowError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Ok(EndedOwn::NotFound);
    }
    let current = id == public_session_id(&handle.storage_key());
    let request = StoreRequest::EndListed { id: id.to_owned(), current: handle.storage_key(), now: io.now() };
    match io.store(&handle.store_address(), &request).await? {
        StoreResponse::EndedSessions { sessions } => Ok(EndedOwn::Ended { sessions, current: current && sessions > 0 }),
        StoreResponse::NotFound => Ok(EndedOwn::NotFound),
        _ => Err(FlowError::Store("unexpected user object answer".into())),
    }
}
