//! The messages between the worker and an org's session store (a Durable Object).
//! One message is one strongly consistent step: the store applies it in a single
//! transaction, so "end every session of this user" can never half-happen.

use serde::{Deserialize, Serialize};

use super::{SessionLimits, SessionRecord};
use crate::config::SessionPolicy;

/// A request to one Durable Object. Three kinds of objects answer them (one class, told
/// apart by name, see [`super::cookie`]): a **user object** (`Touch`, `Create`, `End`,
/// `EndSessions`, `List`, `EndListed`, `Purge`) holds every session of one user; a
/// **login-state object** (`Consume`) holds one login's state; the **org directory**
/// (`Register`, `RecordProvisioned`, `Resolve`, `Release`, `Purge`) knows the org's
/// users, their emails and IdP sessions, and the logout tokens' `jti`s.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StoreRequest {
    /// Look a session up, apply its timeouts (those granted at login, tightened by
    /// `limits`, see [`super::current_limits`]), slide the idle timeout.
    Touch {
        /// [`super::cookie::SessionHandle::storage_key`].
        key: String,
        /// Unix seconds.
        now: u64,
        /// The timeouts of the configuration in effect (absent from older workers: the
        /// granted ones apply).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limits: Option<SessionLimits>,
    },
    /// Store a new session unless the IdP logged the user out after `issued_at`; then
    /// end the least recently used sessions beyond `policy.max_per_user`.
    Create {
        /// Storage key of the new session.
        key: String,
        /// The session.
        record: Box<SessionRecord>,
        /// Timeouts and the per-user bound.
        policy: SessionPolicy,
        /// The ID token's `iat` (Unix seconds).
        #[serde(default)]
        issued_at: u64,
        /// The browser's `User-Agent` (bounded), for the sessions page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_agent: Option<String>,
        /// The request's country (`cf.country`), for the sessions page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    /// End one session (sign-out) and return it, ID token included.
    End {
        /// Storage key of the session.
        key: String,
    },
    /// End sessions of this user object; with `watermark`, also refuse every later
    /// `Create` whose ID token was issued before it.
    EndSessions {
        /// Which of the user's sessions.
        scope: UserScope,
        /// Unix seconds of the IdP's logout.
        watermark: Option<u64>,
        /// Unix seconds.
        now: u64,
    },
    /// The user's live sessions, most recent first (the sessions page).
    List {
        /// Storage key of the session asking ("this device").
        current: String,
        /// Unix seconds.
        now: u64,
    },
    /// End one listed session (by its public id) or every other one.
    EndListed {
        /// [`super::cookie::public_session_id`], or `others`.
        id: String,
        /// Storage key of the session asking.
        current: String,
        /// Unix seconds (an expired session is not listed, so not found).
        #[serde(default)]
        now: u64,
    },
    /// Use a one-time value: `Consumed(true)` the first time, `Consumed(false)` after.
    Consume {
        /// The value.
        once: OnceValue,
        /// Until when it must be remembered (Unix seconds).
        expires_at: u64,
        /// Unix seconds.
        now: u64,
    },
    /// Directory: remember the user (email, IdP session) at login; answers the
    /// fingerprint last provisioned for them.
    Register {
        /// `sub`.
        subject: String,
        /// Email, if any.
        email: Option<String>,
        /// The IdP session id, if any, remembered until `sid_until`.
        sid: Option<String>,
        /// Unix seconds.
        sid_until: u64,
        /// Unix seconds.
        now: u64,
    },
    /// Directory: remember a successful provisioning call.
    RecordProvisioned {
        /// `sub`.
        subject: String,
        /// Fingerprint of the provisioned attributes.
        fingerprint: String,
    },
    /// Directory: the subjects a revocation concerns; with `jti`, only if that token
    /// was not used before (it is then remembered: see `Release`).
    Resolve {
        /// Which users.
        target: RevokeTarget,
        /// The logout token's `jti` and until when to remember it.
        jti: Option<(OnceValue, u64)>,
        /// Unix seconds.
        now: u64,
    },
    /// Directory: forget a `jti` (its revocation could not be completed; the IdP's
    /// retry must be accepted).
    Release {
        /// The value.
        jti: OnceValue,
    },
    /// Forget everything (the org was removed).
    Purge,
    /// How many sessions are live (a user object), and when a user last signed in (the
    /// directory).
    Stats {
        /// Unix seconds.
        now: u64,
    },
    /// Directory: the stamp of its org's stored configuration (see `flows::orgs`).
    OrgStamp,
    /// Directory: a new stamp, given once a change of its org is stored in `SsoState`
    /// (kept by `Purge`, so a removed org's stamp stays new).
    SetOrgStamp {
        /// Random, hex.
        stamp: String,
    },
}

/// Which sessions of one user an [`StoreRequest::EndSessions`] ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum UserScope {
    /// Every session.
    All,
    /// The sessions created within one IdP session.
    IdpSession {
        /// The IdP's `sid`.
        sid: String,
    },
}

/// What a single-use value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnceKind {
    /// A login's `state` (kept hashed: it is a secret until used).
    LoginState,
    /// The `jti` of a back-channel logout token.
    BackchannelLogout,
    /// The `jti` of a Universal Logout JWT.
    UniversalLogout,
}

/// A single-use value of one kind; the store keeps each kind apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnceValue {
    /// Its kind.
    pub kind: OnceKind,
    /// The value (hashed by the caller when secret).
    pub value: String,
}

impl OnceValue {
    /// The key the store remembers it under.
    pub fn storage_key(&self) -> String {
        let prefix = match self.kind {
            OnceKind::LoginState => "state:",
            OnceKind::BackchannelLogout => "jti:bcl:",
            OnceKind::UniversalLogout => "jti:ul:",
        };
        format!("{prefix}{}", self.value)
    }
}

impl StoreRequest {
    /// Whether applying this request may leave rows that expire (sessions, login
    /// states, replay-cache `jti`s): the store then makes sure its sweep alarm is set.
    pub fn leaves_expiring_rows(&self) -> bool {
        match self {
            Self::Create { .. } | Self::Consume { .. } => true,
            Self::Resolve { jti, .. } => jti.is_some(),
            Self::Register { sid, .. } => sid.is_some(),
            Self::EndSessions { watermark, .. } => watermark.is_some(),
            Self::Touch { .. }
            | Self::End { .. }
            | Self::List { .. }
            | Self::EndListed { .. }
            | Self::RecordProvisioned { .. }
            | Self::Release { .. }
            | Self::Purge
            | Self::Stats { .. }
            | Self::OrgStamp
            | Self::SetOrgStamp { .. } => false,
        }
    }
}

/// Whose sessions a revocation ends ([`StoreRequest::Resolve`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RevokeTarget {
    /// Every user of the org (its sessions end, or it is being removed), a page at a
    /// time: the subjects after `after`, in order.
    Everyone {
        /// The last subject of the previous page.
        #[serde(default)]
        after: Option<String>,
    },
    /// Every session of a subject.
    Subject {
        /// `sub`.
        subject: String,
    },
    /// Every session created within one IdP session; with `subject`, only that subject's.
    IdpSession {
        /// The IdP's `sid`.
        sid: String,
        /// `sub`, when the logout token named one.
        subject: Option<String>,
    },
    /// Every session of the users with this email (compared case-insensitively).
    Email {
        /// The address.
        email: String,
    },
}

/// The store's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StoreResponse {
    /// Answer to `Touch`: the session if it is valid now.
    Session {
        /// The session, if it exists and has not expired.
        session: Option<Box<ActiveSession>>,
    },
    /// Answer to `End`: the session that was ended, if it existed.
    Ended {
        /// The session with its ID token.
        record: Option<Box<SessionRecord>>,
    },
    /// Answer to `Consume`.
    Consumed {
        /// First use.
        first: bool,
    },
    /// Answer to `EndSessions` and `EndListed`: how many sessions ended.
    EndedSessions {
        /// How many.
        sessions: u64,
    },
    /// Answer to `EndListed` naming no live session of this user.
    NotFound,
    /// Answer to `Resolve`.
    Resolved {
        /// Whether a target user ever signed in to this org.
        user_known: bool,
        /// The subjects whose objects must end sessions (bounded).
        subjects: Vec<String>,
    },
    /// Answer to `Resolve` with a `jti` that was used before: nothing changed.
    Replayed,
    /// Answer to `Register`.
    Fingerprint {
        /// The fingerprint, if the subject was provisioned before.
        fingerprint: Option<String>,
    },
    /// Answer to `Stats`.
    Stats {
        /// Sessions not expired.
        live_sessions: u64,
        /// The latest sign-in (Unix seconds), if anyone ever signed in.
        last_sign_in: Option<u64>,
    },
    /// Answer to `OrgStamp`.
    OrgStamp {
        /// The stamp; `None`: no change of the org was ever announced.
        stamp: Option<String>,
    },
    /// Answer to `List`.
    Sessions {
        /// Most recent first.
        sessions: Vec<ListedSession>,
    },
    /// Answer to `Create` when the IdP logged the user out after the ID token was issued.
    LoggedOutSince,
    /// Answer to `Create`, `RecordProvisioned`, `Release`, `Purge`, `SetOrgStamp`.
    Done,
    /// The request could not be understood or applied.
    Failed {
        /// Short reason (no secrets).
        reason: String,
    },
}

/// One session as the sessions page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListedSession {
    /// [`super::cookie::public_session_id`].
    pub id: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub last_seen_at: u64,
    /// The browser's `User-Agent` at login.
    pub user_agent: Option<String>,
    /// The country at login.
    pub country: Option<String>,
    /// The session asking.
    pub current: bool,
}

/// A valid session, as `Touch` returns it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ActiveSession {
    /// The stored session.
    pub record: SessionRecord,
    /// When it ends if not used again (Unix seconds).
    pub expires_at: u64,
}

impl std::fmt::Debug for ActiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveSession").field("record", &self.record).field("expires_at", &self.expires_at).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_use_values_of_different_kinds_never_collide_and_keep_their_stored_keys() {
        let key = |kind| OnceValue { kind, value: "j1".into() }.storage_key();
        assert_eq!(
            [key(OnceKind::LoginState), key(OnceKind::BackchannelLogout), key(OnceKind::UniversalLogout)],
            ["state:j1", "jti:bcl:j1", "jti:ul:j1"]
        );
    }

    #[test]
    fn revocations_with_a_jti_are_swept_like_every_other_expiring_row() {
        let revoke =
            |jti: Option<(OnceValue, u64)>| StoreRequest::Resolve { target: RevokeTarget::Subject { subject: "u".into() }, jti, now: 1 };
        let jti = OnceValue { kind: OnceKind::BackchannelLogout, value: "j".into() };
        assert!(revoke(Some((jti.clone(), 700))).leaves_expiring_rows());
        assert!(!revoke(None).leaves_expiring_rows());
        assert!(StoreRequest::Consume { once: jti, expires_at: 2, now: 1 }.leaves_expiring_rows());
        assert!(!StoreRequest::End { key: "k".into() }.leaves_expiring_rows());
        assert!(!StoreRequest::Purge.leaves_expiring_rows());
        assert!(StoreRequest::EndSessions { scope: UserScope::All, watermark: Some(1), now: 1 }.leaves_expiring_rows());
    }
}
