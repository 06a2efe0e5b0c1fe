//! Revocation across objects: the org's directory names the users a logout concerns
//! (and checks the logout token's `jti`), then each user's own object ends their
//! sessions. Success only once every object confirmed; when one cannot be reached the
//! `jti` is released, so the IdP's retry is accepted. Every step is idempotent.

use super::{FlowError, Io};
use crate::config::OrgConfig;
use crate::session::address::{Jurisdiction, StoreAddress};
use crate::session::cookie::{store_name_for_org, user_object_name};
use crate::session::store::{OnceValue, RevokeTarget, StoreRequest, StoreResponse, UserScope};
use crate::session::tables::MAX_RESOLVED;

/// What a revocation did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Revoked {
    /// Every affected user object confirmed.
    Done {
        /// Whether a target user ever signed in to the org.
        user_known: bool,
        /// How many sessions ended.
        sessions: u64,
    },
    /// The logout token's `jti` was used before: nothing was done.
    Replayed,
}

/// Why a revocation did not complete.
#[derive(Debug)]
pub(super) enum NotRevoked {
    /// The directory could not be used: nothing was done.
    Directory(FlowError),
    /// A user object could not be reached (the `jti`, if any, was released).
    UserObject(FlowError),
}

/// Ends the sessions of `target` in `org` (whose objects live in its jurisdiction). `watermark`: the user objects also refuse
/// every later login whose ID token was issued before now (a logout by the IdP).
pub(super) async fn revoke_users(
    io: &impl Io,
    org: &OrgConfig,
    target: RevokeTarget,
    jti: Option<(OnceValue, u64)>,
    watermark: bool,
) -> Result<Revoked, NotRevoked> {
    let key = io.store_name_key().await.map_err(NotRevoked::Directory)?;
    let directory = StoreAddress::new(store_name_for_org(&key, &org.id), org.jurisdiction);
    let now = io.now();
    let released = jti.as_ref().map(|(value, _)| value.clone());
    let resolve = StoreRequest::Resolve { target: target.clone(), jti, now };
    let (user_known, subjects) = match io.store(&directory, &resolve).await.map_err(NotRevoked::Directory)? {
        StoreResponse::Resolved { user_known, subjects } => (user_known, subjects),
        StoreResponse::Replayed => return Ok(Revoked::Replayed),
        _ => return Err(NotRevoked::Directory(FlowError::Store("unexpected directory answer".into()))),
    };
    let scope = match target {
        RevokeTarget::IdpSession { sid, .. } => UserScope::IdpSession { sid },
        RevokeTarget::Everyone { .. } | RevokeTarget::Subject { .. } | RevokeTarget::Email { .. } => UserScope::All,
    };
    let request = StoreRequest::EndSessions { scope, watermark: watermark.then_some(now), now };
    let mut sessions = 0;
    for subject in &subjects {
        let user_object = StoreAddress::new(user_object_name(&key, &org.id, subject), org.jurisdiction);
        let failure = match io.store(&user_object, &request).await {
            Ok(StoreResponse::EndedSessions { sessions: n }) => {
                sessions += n;
                continue;
            }
            Ok(_) => FlowError::Store("unexpected user object answer".into()),
            Err(e) => e,
        };
        if let Some(jti) = released {
            // Best effort: if this fails too, the retry is refused as a replay.
            let _ = io.store(&directory, &StoreRequest::Release { jti }).await;
        }
        return Err(NotRevoked::UserObject(failure));
    }
    Ok(Revoked::Done { user_known, sessions })
}

/// Ends the sessions of every user of `org`, whose objects live in `jurisdiction`, a
/// directory page at a time (the org is being removed); answers how many sessions ended.
pub(super) async fn revoke_everyone(io: &impl Io, org: &str, jurisdiction: Option<Jurisdiction>) -> Result<u64, FlowError> {
    let mut after = None;
    let mut total = 0;
    loop {
        let key = io.store_name_key().await?;
        let resolve = StoreRequest::Resolve { target: RevokeTarget::Everyone { after: after.clone() }, jti: None, now: io.now() };
        let directory = StoreAddress::new(store_name_for_org(&key, org), jurisdiction);
        let StoreResponse::Resolved { subjects, .. } = io.store(&directory, &resolve).await? else {
            return Err(FlowError::Store("unexpected directory answer".into()));
        };
        let request = StoreRequest::EndSessions { scope: UserScope::All, watermark: None, now: io.now() };
        for subject in &subjects {
            let user_object = StoreAddress::new(user_object_name(&key, org, subject), jurisdiction);
            match io.store(&user_object, &request).await? {
                StoreResponse::EndedSessions { sessions } => total += sessions,
                _ => return Err(FlowError::Store("unexpected user object answer".into())),
            }
        }
        if subjects.len() < MAX_RESOLVED {
            return Ok(total);
        }
        after = subjects.last().cloned();
    }
}

impl NotRevoked {
    /// The underlying error.
    pub(super) fn into_error(self) -> FlowError {
        match self {
            Self::Directory(e) | Self::UserObject(e) => e,
        }
    }
}
