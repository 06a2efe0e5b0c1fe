//! The `SessionStore` Durable Object class, SQLite-backed. Its objects are of three
//! kinds, told apart by name (see [`crate::session::cookie`]): one per **user** (every
//! session of one user of one org: the only object an authenticated request calls),
//! one per **login state**, and one **directory** per org (known users, emails, IdP
//! session ids, provisioning fingerprints, logout-token `jti`s: on the login and
//! logout paths only). Each request is applied by [`crate::session::tables`] in one
//! synchronous run of SQL statements, which the runtime commits atomically; expired
//! rows are swept by an alarm, and an object with nothing left to expire sets none.
#![allow(missing_docs)] // the glue #[durable_object] generates has no docs

use worker::{durable_object, wasm_bindgen, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State};

use crate::session::store::{StoreRequest, StoreResponse};
use crate::session::tables::{self, Sql, SqlError, SqlValue, MIGRATIONS, SCHEMA};

/// How often expired rows are swept, in milliseconds.
const SWEEP_EVERY_MS: i64 = 3_600_000;

/// One user's sessions, one login state, or one org's directory.
#[durable_object]
pub struct SessionStore {
    state: State,
}

impl DurableObject for SessionStore {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let _ = sql.exec(SCHEMA, None);
        for migration in MIGRATIONS {
            let _ = sql.exec(migration, None);
        }
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let body = super::net::js_text(req.inner().text()).await.unwrap_or_default();
        let db = Db(self.state.storage().sql());
        let answer = match serde_json::from_str::<StoreRequest>(&body) {
            // The hot path: answered without decoding the stored record.
            Ok(StoreRequest::Touch { key, now, limits }) => {
                let answer = tables::touch(&db, &key, now, limits.as_ref()).unwrap_or_else(|e| failed_json(&e.0));
                return Response::from_bytes(answer.into_bytes());
            }
            Ok(request) => {
                let needs_sweep = tables::needs_sweep(&request);
                let answer = tables::apply(&db, request).unwrap_or_else(|e| StoreResponse::Failed { reason: e.0 });
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
        let now = (js_sys::Date::now() / 1000.0) as u64;
        let left = tables::sweep(&Db(self.state.storage().sql()), now).map_err(|e| worker::Error::RustError(e.0))?;
        if left {
            self.state.storage().set_alarm(SWEEP_EVERY_MS).await?;
        }
        Response::ok("swept")
    }
}

/// The object's SQLite database as [`Sql`].
struct Db(SqlStorage);

impl Sql for Db {
    fn exec(&self, query: &str, args: Vec<SqlValue>) -> std::result::Result<Vec<serde_json::Value>, SqlError> {
        let args: Vec<SqlStorageValue> = args
            .into_iter()
            .map(|v| match v {
                SqlValue::Integer(i) => SqlStorageValue::Integer(i),
                SqlValue::Text(s) => SqlStorageValue::String(s),
                SqlValue::Null => SqlStorageValue::Null,
            })
            .collect();
        // Cursors are lazy: reading the rows runs the statement to completion.
        self.0.exec(query, args).and_then(|cursor| cursor.to_array()).map_err(|e| SqlError(e.to_string()))
    }
}

fn failed_json(reason: &str) -> String {
    serde_json::to_string(&StoreResponse::Failed { reason: reason.to_owned() }).unwrap_or_default()
}
