//! The workers-rs skeleton of `make bench`: exactly what `bench/skeleton.mjs` does per
//! request, written the idiomatic workers-rs way, so that the table shows what the Rust
//! path itself costs. It reads the `sso_session` cookie, asks one SQLite-backed Durable
//! Object for the session row over `stub.fetch_with_request` (JSON in, one `SELECT`,
//! JSON out), then fetches the origin with the request's method and headers (the load is GETs).
#![allow(missing_docs)] // the glue #[durable_object] generates has no docs

use serde::{Deserialize, Serialize};
use worker::{
    durable_object, event, wasm_bindgen, Context, DurableObject, Env, Fetch, Method, Request, RequestInit, Response, Result, SqlStorage,
    State, Url,
};

#[derive(Serialize, Deserialize)]
struct Lookup {
    key: String,
}

#[derive(Deserialize)]
struct Row {
    record: String,
}

#[derive(Serialize, Deserialize)]
struct Answer {
    session: Option<serde_json::Value>,
}

/// One SQLite table of sessions, with the one row the bench's cookie names.
#[durable_object]
pub struct SkeletonRsStore {
    sql: SqlStorage,
}

impl DurableObject for SkeletonRsStore {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let _ = sql.exec("CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, record TEXT NOT NULL)", None);
        let _ = sql.exec(
            "INSERT OR IGNORE INTO sessions (key, record) VALUES (?, ?)",
            vec!["bench-session".into(), r#"{"subject":"sub-bench","email":"bench@bench.test"}"#.into()],
        );
        Self { sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let Lookup { key } = req.json().await?;
        let rows: Vec<Row> = self.sql.exec("SELECT record FROM sessions WHERE key = ?", vec![key.into()])?.to_array()?;
        let session = match rows.first() {
            Some(row) => Some(serde_json::from_str(&row.record)?),
            None => None,
        };
        Response::from_json(&Answer { session })
    }
}

fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn unauthenticated() -> Result<Response> {
    Ok(Response::from_json(&serde_json::json!({ "error": "unauthenticated" }))?.with_status(401))
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let Some(key) = cookie(&req, "sso_session") else {
        return unauthenticated();
    };
    let stub = env.durable_object("SKELETON_STORE")?.get_by_name("sessions")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::to_string(&Lookup { key })?.into()));
    let mut answer = stub.fetch_with_request(Request::new_with_init("https://store/", &init)?).await?;
    let Answer { session } = answer.json().await?;
    if session.is_none() {
        return unauthenticated();
    }
    let origin = Url::parse(&env.var("ORIGIN")?.to_string())?;
    let mut url = req.url()?;
    url.set_scheme(origin.scheme()).ok();
    url.set_host(origin.host_str()).ok();
    url.set_port(origin.port()).ok();
    let forwarded = Request::new_with_init(url.as_str(), RequestInit::new().with_method(req.method()).with_headers(req.headers().clone()))?;
    Fetch::Request(forwarded).send().await
}
