//! A Rust worker that uses edge-sso as a library: its own pages, protected by SSO.

use worker::{event, Context, Env, Request, Response, Result};

// The Rust halves of the Durable Objects edge-sso needs; their classes are in build/entry.js
// (edge-sso's src/edge/entry.js, copied by `make build-example`), which wrangler.toml binds.
pub use edge_sso::{SessionStore, SsoState};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    edge_sso::Sso::from_env(&env).handle(req, app).await
}

/// The application: runs only for signed-in users (and public paths, with no user).
async fn app(req: Request, identity: Option<edge_sso::Identity>) -> Result<Response> {
    match (req.path().as_str(), identity) {
        ("/api/me", Some(edge_sso::Identity { user, expires_at })) => Response::from_json(&serde_json::json!({
            "org": user.org, "subject": user.subject, "email": user.email, "name": user.name, "expires_at": expires_at,
        })),
        ("/public/hello", _) => Response::ok("hello, anyone"),
        (_, Some(edge_sso::Identity { user, .. })) => {
            let name = escape(user.name.as_deref().unwrap_or(&user.subject));
            Response::from_html(format!(
                "<!doctype html><title>Hello</title><h1>Hello, {name}!</h1><p>You are signed in to {org}.</p>\
                 <form method=\"post\" action=\"/_sso/logout\"><button>Sign out</button></form>",
                org = escape(&user.org)
            ))
        }
        (_, None) => Response::error("not found", 404),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
