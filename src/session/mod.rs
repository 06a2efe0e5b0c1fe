//! Sessions: what is stored about a signed-in user, the timeout rules, and the
//! messages the worker exchanges with the session-store objects, and where those live.

pub mod address;
pub mod cookie;
pub mod store;
pub mod tables;

use serde::{Deserialize, Serialize};

use crate::config::SessionPolicy;
use crate::user::User;

/// A session as the store keeps it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(from = "StoredRecord", into = "StoredRecord")]
pub struct SessionRecord {
    /// Who signed in.
    pub user: User,
    /// The IdP session id (`sid`), when given.
    pub idp_sid: Option<String>,
    /// The raw ID token, kept for `id_token_hint` at logout. The store keeps it apart
    /// and hands it out only when the session ends (empty in `Touch` answers).
    pub id_token: IdToken,
    /// Unix seconds of login.
    pub created_at: u64,
    /// Unix seconds of the last use (for the idle timeout).
    pub last_seen: u64,
}

/// A [`SessionRecord`] as stored: flat (`org`, `issuer`, `subject`, `email`, `name`, …),
/// as records were before the user had a type of its own. Read on every protected
/// request, so plainly derived (no `serde(flatten)` buffering).
#[derive(Serialize, Deserialize)]
struct StoredRecord {
    org: String,
    issuer: String,
    subject: String,
    email: Option<String>,
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
    idp_sid: Option<String>,
    #[serde(default, skip_serializing_if = "IdToken::is_empty")]
    id_token: IdToken,
    created_at: u64,
    last_seen: u64,
}

impl From<StoredRecord> for SessionRecord {
    fn from(r: StoredRecord) -> Self {
        let user = User {
            org: r.org,
            issuer: r.issuer,
            subject: r.subject,
            email: r.email,
            name: r.name,
            given_name: r.given_name,
            family_name: r.family_name,
        };
        Self { user, idp_sid: r.idp_sid, id_token: r.id_token, created_at: r.created_at, last_seen: r.last_seen }
    }
}

impl From<SessionRecord> for StoredRecord {
    fn from(r: SessionRecord) -> Self {
        let u = r.user;
        Self {
            org: u.org,
            issuer: u.issuer,
            subject: u.subject,
            email: u.email,
            name: u.name,
            given_name: u.given_name,
            family_name: u.family_name,
            idp_sid: r.idp_sid,
            id_token: r.id_token,
            created_at: r.created_at,
            last_seen: r.last_seen,
        }
    }
}

/// A raw ID token kept for `id_token_hint`: a secret, redacted in `Debug`, never compared.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct IdToken(String);

impl IdToken {
    /// Wraps a raw token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for IdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdToken([redacted])")
    }
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRecord").field("org", &self.user.org).field("created_at", &self.created_at).finish_non_exhaustive()
    }
}

/// What the timeout rules say about a session at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Usable; `expires_at` is when it ends if not used again; `refresh` says whether
    /// `last_seen` should be written now.
    Active {
        /// Unix seconds.
        expires_at: u64,
        /// Write the new `last_seen`.
        refresh: bool,
    },
    /// Ended by the idle or absolute timeout.
    Expired,
}

impl SessionRecord {
    /// Applies the idle (sliding) and absolute timeouts at `now`.
    pub fn status(&self, now: u64, policy: &SessionPolicy) -> SessionStatus {
        session_status(self.last_seen, self.absolute_end(policy), policy.idle_timeout_secs, now)
    }

    /// When the session ends at the latest, whatever happens.
    pub fn absolute_end(&self, policy: &SessionPolicy) -> u64 {
        self.created_at.saturating_add(policy.absolute_timeout_secs)
    }
}

/// The timeouts a stored session is held to now: those it was granted at login, tightened
/// by today's `policy`. Lowering a timeout in the configuration ends older sessions
/// sooner; raising one never extends a session already granted. Answers
/// `(absolute_end, idle_secs)`. `created_at` is `None` for sessions stored without it
/// (they keep their stored absolute end).
pub fn current_limits(stored_absolute_end: u64, stored_idle_secs: u64, created_at: Option<u64>, policy: &SessionLimits) -> (u64, u64) {
    let absolute_end = match created_at {
        Some(created_at) => stored_absolute_end.min(created_at.saturating_add(policy.absolute_secs)),
        None => stored_absolute_end,
    };
    (absolute_end, stored_idle_secs.min(policy.idle_secs))
}

/// The two session timeouts of the configuration in effect, as the session store needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimits {
    /// Idle timeout, seconds.
    pub idle_secs: u64,
    /// Absolute timeout, seconds.
    pub absolute_secs: u64,
}

impl From<&SessionPolicy> for SessionLimits {
    fn from(policy: &SessionPolicy) -> Self {
        Self { idle_secs: policy.idle_timeout_secs, absolute_secs: policy.absolute_timeout_secs }
    }
}

/// The timeout rules on their own: a session last used at `last_seen`, ending at
/// `absolute_end` at the latest, with an idle timeout of `idle_secs`, at `now`.
pub fn session_status(last_seen: u64, absolute_end: u64, idle_secs: u64, now: u64) -> SessionStatus {
    let idle_end = last_seen.saturating_add(idle_secs);
    if now >= absolute_end || now >= idle_end {
        return SessionStatus::Expired;
    }
    // Write last_seen at most every tenth of the idle timeout (and at least every minute),
    // so busy sessions do not write on every request.
    let refresh_every = (idle_secs / 10).clamp(1, 60);
    let refresh = now.saturating_sub(last_seen) >= refresh_every;
    SessionStatus::Active { expires_at: absolute_end.min(now.saturating_add(idle_secs)), refresh }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(created_at: u64, last_seen: u64) -> SessionRecord {
        SessionRecord {
            user: User {
                org: "acme".into(),
                issuer: "https://idp".into(),
                subject: "s".into(),
                email: None,
                name: None,
                given_name: None,
                family_name: None,
            },
            idp_sid: None,
            id_token: IdToken::new("t"),
            created_at,
            last_seen,
        }
    }

    const POLICY: SessionPolicy =
        SessionPolicy { idle_timeout_secs: 100, absolute_timeout_secs: 1000, revalidate_secs: 0, max_per_user: 50 };

    #[test]
    fn idle_timeout_slides() {
        let r = record(0, 500);
        assert_eq!(r.status(550, &POLICY), SessionStatus::Active { expires_at: 650, refresh: true });
        assert_eq!(r.status(600, &POLICY), SessionStatus::Expired);
    }

    #[test]
    fn absolute_timeout_does_not_slide() {
        let r = record(0, 990);
        assert_eq!(r.status(995, &POLICY), SessionStatus::Active { expires_at: 1000, refresh: false });
        assert_eq!(r.status(1000, &POLICY), SessionStatus::Expired);
    }

    #[test]
    fn last_seen_is_not_rewritten_on_every_request() {
        let r = record(0, 500);
        assert!(matches!(r.status(505, &POLICY), SessionStatus::Active { refresh: false, .. }));
        assert!(matches!(r.status(510, &POLICY), SessionStatus::Active { refresh: true, .. }));
    }

    #[test]
    fn a_lowered_policy_tightens_stored_sessions_and_a_raised_one_does_not_extend_them() {
        // Granted at login (created at 100): absolute end 1100, idle 100.
        let lower = SessionLimits { idle_secs: 30, absolute_secs: 500 };
        assert_eq!(current_limits(1100, 100, Some(100), &lower), (600, 30));
        let higher = SessionLimits { idle_secs: 10_000, absolute_secs: 100_000 };
        assert_eq!(current_limits(1100, 100, Some(100), &higher), (1100, 100));
        // Without a stored login time only the idle timeout can be tightened.
        assert_eq!(current_limits(1100, 100, None, &lower), (1100, 30));
        assert_eq!(SessionLimits::from(&POLICY), SessionLimits { idle_secs: 100, absolute_secs: 1000 });
    }

    #[test]
    fn records_stored_before_given_and_family_names_still_read() {
        let old =
            r#"{"org":"acme","issuer":"https://idp","subject":"s","email":null,"name":"N","idp_sid":null,"created_at":1,"last_seen":2}"#;
        let record: SessionRecord = serde_json::from_str(old).expect("old record");
        assert_eq!((record.user.subject.as_str(), record.user.name.as_deref(), record.user.given_name.as_deref()), ("s", Some("N"), None));
        let json = serde_json::to_value(&record).expect("json");
        assert_eq!((json["org"].as_str(), json["subject"].as_str()), (Some("acme"), Some("s")), "stored flat as before");
    }

    #[test]
    fn debug_hides_identity_and_token() {
        let text = format!("{:?}", record(0, 0));
        assert!(!text.contains("id_token") && !text.contains("\"t\""));
        assert_eq!(format!("{:?}", IdToken::new("secret")), "IdToken([redacted])");
    }
}
