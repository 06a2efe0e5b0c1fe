//! The `SessionStore` Durable Object class, SQLite-backed. Its objects are of three
//! kinds, told apart by name (see [`crate::session::cookie`]): one per **user** (every
//! session of one user of one org: the only object an authenticated request calls),
//! one per **login state**, and one **directory** per org (known users, emails, IdP
//! session ids, provisioning fingerprints, logout-token `jti`s: on the login and
//! logout paths only). Each request is applied by [`crate::session::tables`] in one
//! synchronous run of SQL statements, which the runtime commits atomically; expired
//! rows are swept by an alarm, and an object with nothing left to expire sets none.
//!
//! The class the runtime sees is `SessionStore` of `src/edge/entry.js`, a `DurableObject`
//! that hands every RPC call to this object (exported to JavaScript as `RustSessionStore`).

use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use worker::worker_sys::DurableObjectState;
use worker::{SqlStorage, State};

use crate::session::store::{StoreRequest, StoreResponse};
use crate::session::tables::{self, Sql, SqlError, SqlValue, MIGRATIONS, SCHEMA};

/// How often expired rows are swept, in milliseconds.
const SWEEP_EVERY_MS: i64 = 3_600_000;

/// One user's sessions, one login state, or one org's directory.
#[wasm_bindgen(js_name = RustSessionStore)]
pub struct SessionStore {
    state: Rc<State>,
    sql: SqlStorage,
}

#[wasm_bindgen(js_class = RustSessionStore)]
impl SessionStore {
    /// The object over its state; creates or migrates its tables.
    #[wasm_bindgen(constructor)]
    pub fn new(state: DurableObjectState) -> Self {
        let state = State::from(state);
        let sql = state.storage().sql();
        let _ = sql.exec(SCHEMA, None);
        for migration in MIGRATIONS {
            let _ = sql.exec(migration, None);
        }
        Self { state: Rc::new(state), sql }
    }

    /// Applies one [`StoreRequest`] (JSON text) and answers the [`StoreResponse`] as JSON
    /// text: directly for the hot path (`Touch`, a synchronous run of SQL), else as a
    /// promise (a request that may set the sweep alarm). Never rejects: a failure is
    /// `StoreResponse::Failed`.
    pub fn call(&self, message: &str) -> JsValue {
        let db = Db(&self.sql);
        match serde_json::from_str::<StoreRequest>(message) {
            // The hot path: answered without decoding the stored record.
            Ok(StoreRequest::Touch { key, now, limits }) => {
                JsValue::from_str(&tables::touch(&db, &key, now, limits.as_ref()).unwrap_or_else(|e| failed_json(&e.0)))
            }
            Ok(request) => {
                let needs_sweep = tables::needs_sweep(&request);
                let answer = tables::apply(&db, request).unwrap_or_else(|e| StoreResponse::Failed { reason: e.0 });
                let answer = JsValue::from_str(&serde_json::to_string(&answer).unwrap_or_else(|_| failed_json("answer not serializable")));
                if !needs_sweep {
                    return answer;
                }
                let state = Rc::clone(&self.state);
                wasm_bindgen_futures::future_to_promise(async move {
                    if state.storage().get_alarm().await.ok().flatten().is_none() {
                        let _ = state.storage().set_alarm(SWEEP_EVERY_MS).await;
                    }
                    Ok(answer)
                })
                .into()
            }
            Err(_) => JsValue::from_str(&failed_json("unreadable request")),
        }
    }

    /// Sweeps expired rows; sets the next alarm only while some are left.
    pub async fn alarm(&self) -> Result<JsValue, JsValue> {
        let now = (js_sys::Date::now() / 1000.0) as u64;
        let left = tables::sweep(&Db(&self.sql), now).map_err(|e| JsValue::from_str(&e.0))?;
        if left {
            self.state.storage().set_alarm(SWEEP_EVERY_MS).await.map_err(JsValue::from)?;
        }
        Ok(JsValue::UNDEFINED)
    }
}

/// The object's SQLite database as [`Sql`].
struct Db<'s>(&'s SqlStorage);

#[wasm_bindgen]
extern "C" {
    /// `ctx.storage.sql`, called directly (not through workers-rs's value conversions).
    #[wasm_bindgen(extends = js_sys::Object)]
    type SqlHandle;

    #[wasm_bindgen(method, catch, variadic)]
    fn exec(this: &SqlHandle, query: &str, args: &js_sys::Array) -> Result<SqlCursorHandle, JsValue>;

    /// A cursor of `exec`.
    #[wasm_bindgen(extends = js_sys::Object)]
    type SqlCursorHandle;

    #[wasm_bindgen(method, catch, js_name = toArray)]
    fn to_array(this: &SqlCursorHandle) -> Result<JsValue, JsValue>;
}

impl Sql for Db<'_> {
    /// The arguments cross into JavaScript as one JSON text and the rows come back as one:
    /// a constant handful of wasm↔JS calls per statement, whatever its rows and columns
    /// (workers-rs converts every argument and every field on its own).
    fn exec(&self, query: &str, args: Vec<SqlValue>) -> Result<Vec<serde_json::Value>, SqlError> {
        let failed = |e: JsValue| SqlError(worker::Error::from(e).to_string());
        let args = if args.is_empty() {
            js_sys::Array::new()
        } else {
            let args: Vec<serde_json::Value> = args
                .into_iter()
                .map(|v| match v {
                    SqlValue::Integer(i) => serde_json::Value::from(i),
                    SqlValue::Text(s) => serde_json::Value::String(s),
                    SqlValue::Null => serde_json::Value::Null,
                })
                .collect();
            let text = serde_json::to_string(&args).map_err(|e| SqlError(e.to_string()))?;
            js_sys::JSON::parse(&text).map_err(failed)?.unchecked_into()
        };
        let cursor = self.0.as_ref().unchecked_ref::<SqlHandle>().exec(query, &args).map_err(failed)?;
        // Cursors are lazy: reading the rows runs the statement to completion.
        let rows = js_sys::JSON::stringify(&cursor.to_array().map_err(failed)?).map_err(failed)?;
        serde_json::from_str(&String::from(rows)).map_err(|e| SqlError(e.to_string()))
    }
}

fn failed_json(reason: &str) -> String {
    serde_json::to_string(&StoreResponse::Failed { reason: reason.to_owned() }).unwrap_or_default()
}
