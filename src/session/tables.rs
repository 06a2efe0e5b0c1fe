//! The session store's tables and transactions: each [`StoreRequest`] applied as SQL
//! statements to one org's database (the adapter runs them in one synchronous run,
//! which the Durable Object commits atomically), over any database behind [`Sql`].

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::store::{RevokeTarget, StoreRequest, StoreResponse};
use super::{current_limits, session_status, IdToken, SessionLimits, SessionRecord, SessionStatus};

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
";

/// Columns added since the first schema (each fails harmlessly once present).
pub const MIGRATIONS: [&str; 2] = ["ALTER TABLE sessions ADD COLUMN id_token TEXT", "ALTER TABLE sessions ADD COLUMN created_at INTEGER"];

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
        StoreRequest::Create { key, mut record, policy } => {
            let email = record.user.email.as_deref().map(str::to_lowercase);
            // The ID token is only needed at sign-out: keep it out of what `Touch` reads.
            let id_token = std::mem::take(&mut record.id_token);
            let json = serde_json::to_string(&record).map_err(|e| SqlError(e.to_string()))?;
            let query = "INSERT OR REPLACE INTO sessions (key, subject, email, sid, last_seen, absolute_end, idle_secs, record, id_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
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
            ];
            sql.exec(query, args)?;
            let query = "INSERT INTO users (subject, email, last_login) VALUES (?1, ?2, ?3) ON CONFLICT(subject) DO UPDATE SET email = ?2, last_login = ?3";
            sql.exec(query, vec![text(&record.user.subject), opt_text(email.as_deref()), int(record.created_at)])?;
            Ok(StoreResponse::Done)
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
        StoreRequest::Consume { once, expires_at, now } => {
            Ok(StoreResponse::Consumed { first: consume(sql, &once.storage_key(), expires_at, now)? })
        }
        StoreRequest::Revoke { target, jti, now } => {
            if let Some((jti, until)) = jti {
                if !consume(sql, &jti.storage_key(), until, now)? {
                    return Ok(StoreResponse::Replayed);
                }
            }
            revoke(sql, &target)
        }
        StoreRequest::ProvisionedFingerprint { subject } => {
            let rows: Vec<Fingerprint> = rows(sql, "SELECT fingerprint FROM users WHERE subject = ?", vec![text(&subject)])?;
            Ok(StoreResponse::Fingerprint { fingerprint: rows.into_iter().next().and_then(|r| r.fingerprint) })
        }
        StoreRequest::RecordProvisioned { subject, fingerprint } => {
            let query = "INSERT INTO users (subject, fingerprint) VALUES (?1, ?2) ON CONFLICT(subject) DO UPDATE SET fingerprint = ?2";
            sql.exec(query, vec![text(&subject), text(&fingerprint)])?;
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
        StoreRequest::Purge => {
            for table in ["DELETE FROM sessions", "DELETE FROM users", "DELETE FROM once"] {
                sql.exec(table, vec![])?;
            }
            Ok(StoreResponse::Done)
        }
    }
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

/// Deletes expired sessions and one-time values; answers whether any row is left
/// (then another sweep should be scheduled).
pub fn sweep(sql: &impl Sql, now: u64) -> Result<bool, SqlError> {
    sql.exec("DELETE FROM sessions WHERE absolute_end <= ?1 OR last_seen + idle_secs <= ?1", vec![int(now)])?;
    sql.exec("DELETE FROM once WHERE expires_at <= ?", vec![int(now)])?;
    let left: Vec<Count> = rows(sql, "SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM once) AS n", vec![])?;
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

fn revoke(sql: &impl Sql, target: &RevokeTarget) -> Result<StoreResponse, SqlError> {
    let deleted = |query: &str, args: Vec<SqlValue>| -> Result<u64, SqlError> { Ok(sql.exec(query, args)?.len() as u64) };
    let (user_known, sessions) = match target {
        RevokeTarget::Session { key } => (true, deleted("DELETE FROM sessions WHERE key = ? RETURNING key", vec![text(key)])?),
        RevokeTarget::Subject { subject } => {
            let known = count(sql, "SELECT COUNT(*) AS n FROM users WHERE subject = ?", vec![text(subject)])? > 0;
            (known, deleted("DELETE FROM sessions WHERE subject = ? RETURNING key", vec![text(subject)])?)
        }
        RevokeTarget::IdpSession { sid, subject: Some(subject) } => {
            (true, deleted("DELETE FROM sessions WHERE sid = ? AND subject = ? RETURNING key", vec![text(sid), text(subject)])?)
        }
        RevokeTarget::IdpSession { sid, subject: None } => {
            (true, deleted("DELETE FROM sessions WHERE sid = ? RETURNING key", vec![text(sid)])?)
        }
        RevokeTarget::Everyone => (true, deleted("DELETE FROM sessions RETURNING key", vec![])?),
        RevokeTarget::Email { email } => {
            let email = email.to_lowercase();
            let known = count(sql, "SELECT COUNT(*) AS n FROM users WHERE email = ?", vec![text(&email)])? > 0;
            let query = "DELETE FROM sessions WHERE email = ?1 OR subject IN (SELECT subject FROM users WHERE email = ?1) RETURNING key";
            (known, deleted(query, vec![text(&email)])?)
        }
    };
    Ok(StoreResponse::Revoked { user_known, sessions })
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
