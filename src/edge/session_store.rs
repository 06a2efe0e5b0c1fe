//! The `SessionStore` Durable Object: one per org, SQLite-backed. It holds the org's
//! sessions (indexed by subject, IdP `sid` and email), the users who signed in, and
//! the one-time values (login states, token `jti`s). Each request is applied in one
//! synchronous run of SQL statements, which the runtime commits atomically.
#![allow(missing_docs)] // the glue #[durable_object] generates has no docs

use worker::{durable_object, wasm_bindgen, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State};

use crate::session::store::{RevokeTarget, StoreRequest, StoreResponse};
use crate::session::{current_limits, session_status, SessionLimits, SessionRecord, SessionStatus};

/// How often expired rows are swept, in milliseconds.
const SWEEP_EVERY_MS: i64 = 3_600_000;

const SCHEMA: &str = "
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

/// Sessions, users and one-time values of one org.
#[durable_object]
pub struct SessionStore {
    state: State,
}

impl DurableObject for SessionStore {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let _ = sql.exec(SCHEMA, None);
        // Stores created before the ID token and the login time had their own columns.
        let _ = sql.exec("ALTER TABLE sessions ADD COLUMN id_token TEXT", None);
        let _ = sql.exec("ALTER TABLE sessions ADD COLUMN created_at INTEGER", None);
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let body = super::net::js_text(req.inner().text()).await.unwrap_or_default();
        if let Ok(StoreRequest::Touch { key, now, limits }) = serde_json::from_str::<StoreRequest>(&body) {
            // The hot path: answered without decoding the stored record.
            let answer = touch(&self.state.storage().sql(), &key, now, limits.as_ref()).unwrap_or_else(|e| failed_json(&e.to_string()));
            return Response::from_bytes(answer.into_bytes());
        }
        let answer = match serde_json::from_str::<StoreRequest>(&body) {
            Ok(request) => {
                let needs_sweep = matches!(request, StoreRequest::Create { .. } | StoreRequest::Consume { .. });
                let answer =
                    apply(&self.state.storage().sql(), request).unwrap_or_else(|e| StoreResponse::Failed { reason: e.to_string() });
                if needs_sweep && self.state.storage().get_alarm().await.ok().flatten().is_none() {
                    let _ = self.state.storage().set_alarm(SWEEP_EVERY_MS).await;
                }
                answer
            }
            Err(_) => StoreResponse::Failed { reason: "unreadable request".into() },
        };
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> Result<Response> {
        let sql = self.state.storage().sql();
        let now = (js_sys::Date::now() / 1000.0) as i64;
        run(&sql, "DELETE FROM sessions WHERE absolute_end <= ?1 OR last_seen + idle_secs <= ?1", vec![now.into()])?;
        run(&sql, "DELETE FROM once WHERE expires_at <= ?", vec![now.into()])?;
        let left: Vec<Count> = sql.exec("SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM once) AS n", None)?.to_array()?;
        if left.first().is_some_and(|c| c.n > 0) {
            self.state.storage().set_alarm(SWEEP_EVERY_MS).await?;
        }
        Response::ok("swept")
    }
}

#[derive(serde::Deserialize)]
struct Count {
    n: i64,
}

#[derive(serde::Deserialize)]
struct Row {
    record: String,
    last_seen: i64,
    absolute_end: i64,
    idle_secs: i64,
    created_at: Option<i64>,
}

#[derive(serde::Deserialize)]
struct EndedRow {
    record: String,
    id_token: Option<String>,
}

#[derive(serde::Deserialize)]
struct Fingerprint {
    fingerprint: Option<String>,
}

fn int(v: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

fn text(v: &str) -> SqlStorageValue {
    SqlStorageValue::String(v.to_owned())
}

fn opt_text(v: Option<&str>) -> SqlStorageValue {
    v.map_or(SqlStorageValue::Null, text)
}

fn apply(sql: &SqlStorage, request: StoreRequest) -> Result<StoreResponse> {
    match request {
        StoreRequest::Touch { .. } => Ok(StoreResponse::Failed { reason: "touch is answered directly".into() }),
        StoreRequest::Create { key, mut record, policy } => {
            let email = record.email.as_deref().map(str::to_lowercase);
            // The ID token is only needed at sign-out: keep it out of what `Touch` reads.
            let id_token = std::mem::take(&mut record.id_token);
            let json = serde_json::to_string(&record)?;
            let query = "INSERT OR REPLACE INTO sessions (key, subject, email, sid, last_seen, absolute_end, idle_secs, record, id_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            run(
                sql,
                query,
                vec![
                    text(&key),
                    text(&record.subject),
                    opt_text(email.as_deref()),
                    opt_text(record.idp_sid.as_deref()),
                    int(record.last_seen),
                    int(record.absolute_end(&policy)),
                    int(policy.idle_timeout_secs),
                    SqlStorageValue::String(json),
                    SqlStorageValue::String(id_token),
                    int(record.created_at),
                ],
            )?;
            run(sql, "INSERT INTO users (subject, email, last_login) VALUES (?1, ?2, ?3) ON CONFLICT(subject) DO UPDATE SET email = ?2, last_login = ?3", vec![text(&record.subject), opt_text(email.as_deref()), int(record.created_at)])?;
            Ok(StoreResponse::Done)
        }
        StoreRequest::End { key } => {
            let rows: Vec<EndedRow> =
                sql.exec("DELETE FROM sessions WHERE key = ? RETURNING record, id_token", vec![text(&key)])?.to_array()?;
            let record = match rows.into_iter().next() {
                Some(row) => {
                    let mut record: SessionRecord = serde_json::from_str(&row.record)?;
                    record.id_token = row.id_token.unwrap_or_default();
                    Some(Box::new(record))
                }
                None => None,
            };
            Ok(StoreResponse::Ended { record })
        }
        StoreRequest::Consume { key, expires_at, now } => Ok(StoreResponse::Consumed { first: consume(sql, &key, expires_at, now)? }),
        StoreRequest::Revoke { target, jti, now } => {
            if let Some((jti, until)) = jti {
                if !consume(sql, &format!("jti:{jti}"), until, now)? {
                    return Ok(StoreResponse::Replayed);
                }
            }
            revoke(sql, &target)
        }
        StoreRequest::ProvisionedFingerprint { subject } => {
            let rows: Vec<Fingerprint> = sql.exec("SELECT fingerprint FROM users WHERE subject = ?", vec![text(&subject)])?.to_array()?;
            Ok(StoreResponse::Fingerprint { fingerprint: rows.into_iter().next().and_then(|r| r.fingerprint) })
        }
        StoreRequest::RecordProvisioned { subject, fingerprint } => {
            run(
                sql,
                "INSERT INTO users (subject, fingerprint) VALUES (?1, ?2) ON CONFLICT(subject) DO UPDATE SET fingerprint = ?2",
                vec![text(&subject), text(&fingerprint)],
            )?;
            Ok(StoreResponse::Done)
        }
        StoreRequest::Purge => {
            run(sql, "DELETE FROM sessions", vec![])?;
            run(sql, "DELETE FROM users", vec![])?;
            run(sql, "DELETE FROM once", vec![])?;
            Ok(StoreResponse::Done)
        }
    }
}

/// `Touch`, answered as the JSON of a [`StoreResponse::Session`] built around the stored
/// record text (the timeouts are decided from the indexed columns alone).
fn touch(sql: &SqlStorage, key: &str, now: u64, limits: Option<&SessionLimits>) -> Result<String> {
    const NONE: &str = r#"{"result":"session","session":null}"#;
    let rows: Vec<Row> = sql
        .exec("SELECT record, last_seen, absolute_end, idle_secs, created_at FROM sessions WHERE key = ?", vec![text(key)])?
        .to_array()?;
    let Some(row) = rows.into_iter().next() else { return Ok(NONE.to_owned()) };
    let secs = |v: i64| u64::try_from(v).unwrap_or_default();
    let (absolute_end, idle_secs) = match limits {
        Some(limits) => current_limits(secs(row.absolute_end), secs(row.idle_secs), row.created_at.map(secs), limits),
        None => (secs(row.absolute_end), secs(row.idle_secs)),
    };
    match session_status(secs(row.last_seen), absolute_end, idle_secs, now) {
        SessionStatus::Expired => {
            run(sql, "DELETE FROM sessions WHERE key = ?", vec![text(key)])?;
            Ok(NONE.to_owned())
        }
        SessionStatus::Active { expires_at, refresh } => {
            if refresh {
                run(sql, "UPDATE sessions SET last_seen = ? WHERE key = ?", vec![int(now), text(key)])?;
            }
            // invariant: `record` was written by `Create` as the JSON of a SessionRecord.
            Ok(format!(r#"{{"result":"session","session":{{"record":{},"expires_at":{expires_at}}}}}"#, row.record))
        }
    }
}

fn failed_json(reason: &str) -> String {
    serde_json::to_string(&StoreResponse::Failed { reason: reason.to_owned() }).unwrap_or_default()
}

fn consume(sql: &SqlStorage, key: &str, expires_at: u64, now: u64) -> Result<bool> {
    run(sql, "DELETE FROM once WHERE key = ? AND expires_at <= ?", vec![text(key), int(now)])?;
    let existing: Vec<Count> = sql.exec("SELECT COUNT(*) AS n FROM once WHERE key = ?", vec![text(key)])?.to_array()?;
    if existing.first().is_some_and(|c| c.n > 0) {
        return Ok(false);
    }
    run(sql, "INSERT INTO once (key, expires_at) VALUES (?, ?)", vec![text(key), int(expires_at)])?;
    Ok(true)
}

fn revoke(sql: &SqlStorage, target: &RevokeTarget) -> Result<StoreResponse> {
    let count = |query: &str, args: Vec<SqlStorageValue>| -> Result<i64> {
        let rows: Vec<Count> = sql.exec(query, args)?.to_array()?;
        Ok(rows.first().map_or(0, |c| c.n))
    };
    let (user_known, deleted) = match target {
        RevokeTarget::Session { key } => (true, deleted(sql, "DELETE FROM sessions WHERE key = ? RETURNING key", vec![text(key)])?),
        RevokeTarget::Subject { subject } => {
            let known = count("SELECT COUNT(*) AS n FROM users WHERE subject = ?", vec![text(subject)])? > 0;
            (known, deleted(sql, "DELETE FROM sessions WHERE subject = ? RETURNING key", vec![text(subject)])?)
        }
        RevokeTarget::IdpSession { sid, subject: Some(subject) } => {
            (true, deleted(sql, "DELETE FROM sessions WHERE sid = ? AND subject = ? RETURNING key", vec![text(sid), text(subject)])?)
        }
        RevokeTarget::IdpSession { sid, subject: None } => {
            (true, deleted(sql, "DELETE FROM sessions WHERE sid = ? RETURNING key", vec![text(sid)])?)
        }
        RevokeTarget::Email { email } => {
            let email = email.to_lowercase();
            let known = count("SELECT COUNT(*) AS n FROM users WHERE email = ?", vec![text(&email)])? > 0;
            let query = "DELETE FROM sessions WHERE email = ?1 OR subject IN (SELECT subject FROM users WHERE email = ?1) RETURNING key";
            (known, deleted(sql, query, vec![text(&email)])?)
        }
    };
    Ok(StoreResponse::Revoked { user_known, sessions: deleted })
}

/// Runs a statement to completion (cursors are lazy).
fn run(sql: &SqlStorage, query: &str, args: Vec<SqlStorageValue>) -> Result<()> {
    sql.exec(query, args)?.to_array::<serde_json::Value>()?;
    Ok(())
}

/// Runs a `DELETE … RETURNING key` and counts the deleted rows.
fn deleted(sql: &SqlStorage, query: &str, args: Vec<SqlStorageValue>) -> Result<u64> {
    Ok(sql.exec(query, args)?.to_array::<serde_json::Value>()?.len() as u64)
}
