//! The objects' tables and transactions: each [`StoreRequest`] applied as SQL
//! statements to one object's database (the adapter runs them in one synchronous run,
//! which the Durable Object commits atomically), over any database behind [`Sql`].
//! Every kind of object (user, login state, directory) has the same schema and uses
//! its own tables of it: a user object `sessions` and `watermark`, a login-state object
//! `once`, a directory `users`, `sids`, `once` and `org_stamp`.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::cookie::public_session_id;
use super::store::{ListedSession, RevokeTarget, StoreRequest, StoreResponse, UserScope};
use super::{current_limits, session_status, IdToken, SessionLimits, SessionRecord, SessionStatus};
use crate::config::SessionPolicy;
use crate::secret::constant_time_eq;

/// The tables and indexes (idempotent).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, subject TEXT NOT NULL, email TEXT, sid TEXT,
  last_seen INTEGER NOT NULL, absolute_end INTEGER NOT NULL, idle_secs INTEGER NOT NULL, record TEXT NOT NULL, id_token TEXT,
  created_at INTEGER);
CREATE INDEX IF NOT EXISTS sessions_by_subject ON sessions(subject);
CREATE INDEX IF NOT EXISTS sessions_by_sid ON sessions(sid);
CREATE INDEX IF NOT EXISTS sessions_by_email ON sessions(email);
CREATE TABLE IF NOT EXISTS users (subject TEXT PRIMARY KEY, email TEXT, fingerprint TEXT, last_login INTEGER);
CREATE INDEX IF NOT EXISTS users_by_email ON users(email);
CREATE TABLE IF NOT EXISTS once (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sids (sid TEXT NOT NULL, subject TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (sid, subject));
CREATE TABLE IF NOT EXISTS watermark (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS org_stamp (id INTEGER PRIMARY KEY, stamp TEXT NOT NULL);
";

/// Columns added since the first schema (each fails harmlessly once present).
pub const MIGRATIONS: [&str; 4] = [
    "ALTER TABLE sessions ADD COLUMN id_token TEXT",
    "ALTER TABLE sessions ADD COLUMN created_at INTEGER",
    "ALTER TABLE sessions ADD COLUMN user_agent TEXT",
    "ALTER TABLE sessions ADD COLUMN country TEXT",
];

/// How long a user object remembers the IdP's last logout of the user: longer than any
/// login can be in flight (a login state lives 10 minutes).
pub const WATERMARK_SECS: u64 = 3600;
/// Most subjects one `Resolve` names (each is one call to a user object).
pub const MAX_RESOLVED: usize = 1000;
/// Longest `User-Agent` kept.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// A statement argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `INTEGER`.
    Integer(i64),
    /// `TEXT`.
    Text(String),
    /// `NULL`.
    Null,
}

/// A database failure (its message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SqlError(pub String);

/// What the store needs of its database.
pub trait Sql {
    /// Runs one statement to completion; returns its rows as JSON objects.
    fn exec(&self, query: &str, args: Vec<SqlValue>) -> Result<Vec<serde_json::Value>, SqlError>;
}

#[derive(Deserialize)]
struct Stamp {
    stamp: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Deserialize)]
struct Row {
    record: String,
    last_seen: i64,
    absolute_end: i64,
    idle_secs: i64,
    created_at: Option<i64>,
}

#[derive(Deserialize)]
struct EndedRow {
    record: String,
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct Last {
    last: Option<i64>,
}

#[derive(Deserialize)]
struct Fingerprint {
    fingerprint: Option<String>,
}

/// Applies one request (all but `Touch`, see [`touch`]).
pub fn apply(sql: &impl Sql, request: StoreRequest) -> Result<StoreResponse, SqlError> {
    match request {
        StoreRequest::Touch { .. } => Ok(StoreResponse::Failed { reason: "touch is answered directly".into() }),
        StoreRequest::Create { key, record, policy, issued_at, user_agent, country } => {
            create(sql, key, *record, policy, issued_at, user_agent, country)
        }
        StoreRequest::End { key } => {
            let rows: Vec<EndedRow> = rows(sql, "DELETE FROM sessions WHERE key = ? RETURNING record, id_token", vec![text(&key)])?;
            let record = match rows.into_iter().next() {
                Some(row) => {
                    let mut record: SessionRecord = serde_json::from_str(&row.record).map_err(|e| SqlError(e.to_string()))?;
                    record.id_token = IdToken::new(row.id_token.unwrap_or_default());
                    Some(Box::new(record))
                }
                None => None,
            };
            Ok(StoreResponse::Ended { record })
        }
        StoreRequest::EndSessions { scope, watermark, now } => {
            if let Some(at) = watermark {
                let query = "INSERT INTO watermark (id, at, expires_at) VALUES (1, ?1, ?2) ON CONFLICT(id) DO UPDATE SET at = MAX(at, ?1), expires_at = MAX(expires_at, ?2)";
                sql.exec(query, vec![int(at), int(now.saturating_add(WATERMARK_SECS))])?;
            }
            let ended = match scope {
                UserScope::All => sql.exec("DELETE FROM sessions RETURNING key", vec![])?,
                UserScope::IdpSession { sid } => sql.exec("DELETE FROM sessions WHERE sid = ? RETURNING key", vec![text(&sid)])?,
            };
            Ok(StoreResponse::EndedSessions { sessions: ended.len() as u64 })
        }
        StoreRequest::List { current, now } => list(sql, &current, now),
        StoreRequest::EndListed { id, current, now } => end_listed(sql, &id, &current, now),
        StoreRequest::Consume { once, expires_at, now } => {
            Ok(StoreResponse::Consumed { first: consume(sql, &once.storage_key(), expires_at, now)? })
        }
        StoreRequest::Register { subject, email, sid, sid_until, now } => {
            let email = email.as_deref().map(str::to_lowercase);
            let query = "INSERT INTO users (subject, email, last_login) VALUES (?1, ?2, ?3) ON CONFLICT(subject) DO UPDATE SET email = ?2, last_login = ?3";
            sql.exec(query, vec![text(&subject), opt_text(email.as_deref()), int(now)])?;
            if let Some(sid) = sid {
                let query = "INSERT INTO sids (sid, subject, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT(sid, subject) DO UPDATE SET expires_at = MAX(expires_at, ?3)";
                sql.exec(query, vec![text(&sid), text(&subject), int(sid_until)])?;
            }
            let rows: Vec<Fingerprint> = rows(sql, "SELECT fingerprint FROM users WHERE subject = ?", vec![text(&subject)])?;
            Ok(StoreResponse::Fingerprint { fingerprint: rows.into_iter().next().and_then(|r| r.fingerprint) })
        }
        StoreRequest::RecordProvisioned { subject, fingerprint } => {
            let query = "INSERT INTO users (subject, fingerprint) VALUES (?1, ?2) ON CONFLICT(subject) DO UPDATE SET fingerprint = ?2";
            sql.exec(query, vec![text(&subject), text(&fingerprint)])?;
            Ok(StoreResponse::Done)
        }
        StoreRequest::OrgStamp => {
            let stamps: Vec<Stamp> = rows(sql, "SELECT stamp FROM org_stamp WHERE id = 0", vec![])?;
            Ok(StoreResponse::OrgStamp { stamp: stamps.into_iter().next().map(|s| s.stamp) })
        }
        StoreRequest::SetOrgStamp { stamp } => {
            sql.exec("INSERT OR REPLACE INTO org_stamp (id, stamp) VALUES (0, ?)", vec![text(&stamp)])?;
            Ok(StoreResponse::Done)
        }
        StoreRequest::Stats { now } => {
            let query = "SELECT COUNT(*) AS n FROM sessions WHERE absolute_end > ?1 AND last_seen + idle_secs > ?1";
            let live = count(sql, query, vec![int(now)])?;
            let last: Vec<Last> = rows(sql, "SELECT MAX(last_login) AS last FROM users", vec![])?;
            Ok(StoreResponse::Stats {
                live_sessions: u64::try_from(live).unwrap_or_default(),
                last_sign_in: last.first().and_then(|l| l.last).and_then(|v| u64::try_from(v).ok()),
            })
        }
        StoreRequest::Resolve { target, jti, now } => {
            if let Some((jti, until)) = jti {
                if !consume(sql, &jti.storage_key(), until, now)? {
                    return Ok(StoreResponse::Replayed);
                }
            }
            resolve(sql, &target, now)
        }
        StoreRequest::Release { jti } => {
            sql.exec("DELETE FROM once WHERE key = ?", vec![text(&jti.storage_key())])?;
            Ok(StoreResponse::Done)
        }
        StoreRequest::Purge => {
            for table in ["DELETE FROM sessions", "DELETE FROM users", "DELETE FROM once", "DELETE FROM sids", "DELETE FROM watermark"] {
                sql.exec(table, vec![])?;
            }
            Ok(StoreResponse::Done)
        }
    }
}

#[derive(Deserialize)]
struct At {
    at: i64,
}

fn create(
    sql: &impl Sql,
    key: String,
    mut record: SessionRecord,
    policy: SessionPolicy,
    issued_at: u64,
    user_agent: Option<String>,
    country: Option<String>,
) -> Result<StoreResponse, SqlError> {
    // The IdP logged the user out after this ID token was issued: a login that was in flight.
    let query = "SELECT at FROM watermark WHERE id = 1 AND expires_at > ?";
    if rows::<At>(sql, query, vec![int(record.created_at)])?.first().is_some_and(|w| i64::try_from(issued_at).unwrap_or(i64::MAX) < w.at) {
        return Ok(StoreResponse::LoggedOutSince);
    }
    let email = record.user.email.as_deref().map(str::to_lowercase);
    // The ID token is only needed at sign-out: keep it out of what `Touch` reads.
    let id_token = std::mem::take(&mut record.id_token);
    let json = serde_json::to_string(&record).map_err(|e| SqlError(e.to_string()))?;
    let user_agent = user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_LEN).collect::<String>());
    let country = country.filter(|c| c.len() <= 8);
    let query = "INSERT OR REPLACE INTO sessions (key, subject, email, sid, last_seen, absolute_end, idle_secs, record, id_token, created_at, user_agent, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let args = vec![
        text(&key),
        text(&record.user.subject),
        opt_text(email.as_deref()),
        opt_text(record.idp_sid.as_deref()),
        int(record.last_seen),
        int(record.absolute_end(&policy)),
        int(policy.idle_timeout_secs),
        SqlValue::Text(json),
        SqlValue::Text(id_token.expose().to_owned()),
        int(record.created_at),
        opt_text(user_agent.as_deref()),
        opt_text(country.as_deref()),
    ];
    sql.exec(query, args)?;
    // The bound: the least recently used sessions beyond it end (the new one is the most recent).
    let query =
        "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions ORDER BY last_seen DESC, rowid DESC LIMIT -1 OFFSET ?) RETURNING key";
    sql.exec(query, vec![int(u64::from(policy.max_per_user.max(1)))])?;
    Ok(StoreResponse::Done)
}

#[derive(Deserialize)]
struct ListRow {
    key: String,
    created_at: Option<i64>,
    last_seen: i64,
    user_agent: Option<String>,
    country: Option<String>,
}

fn list(sql: &impl Sql, current: &str, now: u64) -> Result<StoreResponse, SqlError> {
    let query = "SELECT key, created_at, last_seen, user_agent, country FROM sessions WHERE absolute_end > ?1 AND last_seen + idle_secs > ?1 ORDER BY last_seen DESC, rowid DESC";
    let secs = |v: i64| u64::try_from(v).unwrap_or_default();
    let sessions = rows::<ListRow>(sql, query, vec![int(now)])?
        .into_iter()
        .map(|r| ListedSession {
            id: public_session_id(&r.key),
            created_at: secs(r.created_at.unwrap_or(r.last_seen)),
            last_seen_at: secs(r.last_seen),
            user_agent: r.user_agent,
            country: r.country,
            current: r.key == current,
        })
        .collect();
    Ok(StoreResponse::Sessions { sessions })
}

#[derive(Deserialize)]
struct KeyRow {
    key: String,
}

fn end_listed(sql: &impl Sql, id: &str, current: &str, now: u64) -> Result<StoreResponse, SqlError> {
    const LIVE: &str = "absolute_end > ?2 AND last_seen + idle_secs > ?2";
    if id == "others" {
        let ended = sql.exec(&format!("DELETE FROM sessions WHERE key != ?1 AND {LIVE} RETURNING key"), vec![text(current), int(now)])?;
        return Ok(StoreResponse::EndedSessions { sessions: ended.len() as u64 });
    }
    let keys: Vec<KeyRow> = rows(sql, &format!("SELECT key FROM sessions WHERE ?1 = ?1 AND {LIVE}"), vec![text(id), int(now)])?;
    let Some(key) = keys.into_iter().map(|r| r.key).find(|k| constant_time_eq(public_session_id(k).as_bytes(), id.as_bytes())) else {
        return Ok(StoreResponse::NotFound);
    };
    let ended = sql.exec("DELETE FROM sessions WHERE key = ? RETURNING key", vec![text(&key)])?;
    Ok(StoreResponse::EndedSessions { sessions: ended.len() as u64 })
}

#[derive(Deserialize)]
struct SubjectRow {
    subject: String,
}

fn resolve(sql: &impl Sql, target: &RevokeTarget, now: u64) -> Result<StoreResponse, SqlError> {
    let subjects = |query: &str, args: Vec<SqlValue>| -> Result<Vec<String>, SqlError> {
        Ok(rows::<SubjectRow>(sql, query, args)?.into_iter().map(|r| r.subject).take(MAX_RESOLVED).collect())
    };
    let limit = int(MAX_RESOLVED as u64);
    let (user_known, subjects) = match target {
        RevokeTarget::Everyone { after } => {
            let after = text(after.as_deref().unwrap_or_default());
            (true, subjects("SELECT subject FROM users WHERE subject > ? ORDER BY subject LIMIT ?", vec![after, limit])?)
        }
        // The user's object is ended even when the directory does not know them: a first
        // login may be in flight (the watermark refuses it).
        RevokeTarget::Subject { subject } => {
            (count(sql, "SELECT COUNT(*) AS n FROM users WHERE subject = ?", vec![text(subject)])? > 0, vec![subject.clone()])
        }
        RevokeTarget::IdpSession { subject: Some(subject), .. } => (true, vec![subject.clone()]),
        RevokeTarget::IdpSession { sid, subject: None } => {
            (true, subjects("SELECT subject FROM sids WHERE sid = ? AND expires_at > ? LIMIT ?", vec![text(sid), int(now), limit])?)
        }
        RevokeTarget::Email { email } => {
            let found = subjects("SELECT subject FROM users WHERE email = ? LIMIT ?", vec![text(&email.to_lowercase()), limit])?;
            (!found.is_empty(), found)
        }
    };
    Ok(StoreResponse::Resolved { user_known, subjects })
}

/// Whether applying `request` may leave rows for the sweep to remove.
pub fn needs_sweep(request: &StoreRequest) -> bool {
    // Revocations with a `jti` write replay-cache rows: swept like every other row.
    request.leaves_expiring_rows()
}

/// `Touch`, answered as the JSON of a [`StoreResponse::Session`] built around the stored
/// record text (the timeouts are decided from the indexed columns alone).
pub fn touch(sql: &impl Sql, key: &str, now: u64, limits: Option<&SessionLimits>) -> Result<String, SqlError> {
    const NONE: &str = r#"{"result":"session","session":null}"#;
    let query = "SELECT record, last_seen, absolute_end, idle_secs, created_at FROM sessions WHERE key = ?";
    let Some(row) = rows::<Row>(sql, query, vec![text(key)])?.into_iter().next() else { return Ok(NONE.to_owned()) };
    let secs = |v: i64| u64::try_from(v).unwrap_or_default();
    let (absolute_end, idle_secs) = match limits {
        Some(limits) => current_limits(secs(row.absolute_end), secs(row.idle_secs), row.created_at.map(secs), limits),
        None => (secs(row.absolute_end), secs(row.idle_secs)),
    };
    match session_status(secs(row.last_seen), absolute_end, idle_secs, now) {
        SessionStatus::Expired => {
            sql.exec("DELETE FROM sessions WHERE key = ?", vec![text(key)])?;
            Ok(NONE.to_owned())
        }
        SessionStatus::Active { expires_at, refresh } => {
            if refresh {
                sql.exec("UPDATE sessions SET last_seen = ? WHERE key = ?", vec![int(now), text(key)])?;
            }
            // invariant: `record` was written by `Create` as the JSON of a SessionRecord.
            Ok(format!(r#"{{"result":"session","session":{{"record":{},"expires_at":{expires_at}}}}}"#, row.record))
        }
    }
}

/// Deletes expired sessions, one-time values, IdP sessions and watermarks; answers
/// whether any such row is left (then another sweep should be scheduled). Known users
/// (the directory's) are not swept: they expire with nothing.
pub fn sweep(sql: &impl Sql, now: u64) -> Result<bool, SqlError> {
    sql.exec("DELETE FROM sessions WHERE absolute_end <= ?1 OR last_seen + idle_secs <= ?1", vec![int(now)])?;
    sql.exec("DELETE FROM once WHERE expires_at <= ?", vec![int(now)])?;
    sql.exec("DELETE FROM sids WHERE expires_at <= ?", vec![int(now)])?;
    sql.exec("DELETE FROM watermark WHERE expires_at <= ?", vec![int(now)])?;
    let query = "SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM once) + (SELECT COUNT(*) FROM sids) + (SELECT COUNT(*) FROM watermark) AS n";
    let left: Vec<Count> = rows(sql, query, vec![])?;
    Ok(left.first().is_some_and(|c| c.n > 0))
}

fn consume(sql: &impl Sql, key: &str, expires_at: u64, now: u64) -> Result<bool, SqlError> {
    sql.exec("DELETE FROM once WHERE key = ? AND expires_at <= ?", vec![text(key), int(now)])?;
    if count(sql, "SELECT COUNT(*) AS n FROM once WHERE key = ?", vec![text(key)])? > 0 {
        return Ok(false);
    }
    sql.exec("INSERT INTO once (key, expires_at) VALUES (?, ?)", vec![text(key), int(expires_at)])?;
    Ok(true)
}

fn rows<T: DeserializeOwned>(sql: &impl Sql, query: &str, args: Vec<SqlValue>) -> Result<Vec<T>, SqlError> {
    sql.exec(query, args)?.into_iter().map(|row| serde_json::from_value(row).map_err(|e| SqlError(e.to_string()))).collect()
}

fn count(sql: &impl Sql, query: &str, args: Vec<SqlValue>) -> Result<i64, SqlError> {
    Ok(rows::<Count>(sql, query, args)?.first().map_or(0, |c| c.n))
}

fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

fn text(v: &str) -> SqlValue {
    SqlValue::Text(v.to_owned())
}

fn opt_text(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, text)
}
