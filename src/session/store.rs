//! The messages between the worker and an org's session store (a Durable Object).
//! One message is one strongly consistent step: the store applies it in a single
//! transaction, so "end every session of this user" can never half-happen.

use serde::{Deserialize, Serialize};

use super::{SessionLimits, SessionRecord};
use crate::config::SessionPolicy;

/// A request to the session store of one org.
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
    /// Store a new session and remember the user as known to this org.
    Create {
        /// Storage key of the new session.
        key: String,
        /// The session.
        record: SessionRecord,
        /// Timeouts (the store schedules its cleanup from them).
        policy: SessionPolicy,
    },
    /// End one session (sign-out) and return it, ID token included.
    End {
        /// Storage key of the session.
        key: String,
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
    /// End sessions; with `jti`, only if that token was not used before.
    Revoke {
        /// Which sessions.
        target: RevokeTarget,
        /// The logout token's `jti` and until when to remember it: refused as replayed
        /// if seen before.
        jti: Option<(OnceValue, u64)>,
        /// Unix seconds.
        now: u64,
    },
    /// The attributes last provisioned for a subject (a fingerprint), if any.
    ProvisionedFingerprint {
        /// `sub`.
        subject: String,
    },
    /// Remember a successful provisioning call.
    RecordProvisioned {
        /// `sub`.
        subject: String,
        /// Fingerprint of the provisioned attributes.
        fingerprint: String,
    },
    /// Forget everything (the org was removed).
    Purge,
    /// How many sessions are live, and when a user last signed in.
    Stats {
        /// Unix seconds.
        now: u64,
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
            Self::Revoke { jti, .. } => jti.is_some(),
            Self::Touch { .. }
            | Self::End { .. }
            | Self::ProvisionedFingerprint { .. }
            | Self::RecordProvisioned { .. }
            | Self::Purge
            | Self::Stats { .. } => false,
        }
    }
}

/// Which sessions a [`StoreRequest::Revoke`] ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RevokeTarget {
    /// One session (sign-out).
    Session {
        /// Its storage key.
        key: String,
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
    /// Every session of the org (the users stay known).
    Everyone,
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
    /// Answer to `Revoke`.
    Revoked {
        /// Whether the target user ever signed in to this org.
        user_known: bool,
        /// How many sessions ended.
        sessions: u64,
    },
    /// Answer to `Revoke` with a `jti` that was used before: nothing changed.
    Replayed,
    /// Answer to `ProvisionedFingerprint`.
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
    /// Answer to `Create`, `RecordProvisioned`, `Purge`.
    Done,
    /// The request could not be understood or applied.
    Failed {
        /// Short reason (no secrets).
        reason: String,
    },
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
            |jti: Option<(OnceValue, u64)>| StoreRequest::Revoke { target: RevokeTarget::Subject { subject: "u".into() }, jti, now: 1 };
        let jti = OnceValue { kind: OnceKind::BackchannelLogout, value: "j".into() };
        assert!(revoke(Some((jti.clone(), 700))).leaves_expiring_rows());
        assert!(!revoke(None).leaves_expiring_rows());
        assert!(StoreRequest::Consume { once: jti, expires_at: 2, now: 1 }.leaves_expiring_rows());
        assert!(!StoreRequest::End { key: "k".into() }.leaves_expiring_rows());
        assert!(!StoreRequest::Purge.leaves_expiring_rows());
    }
}
