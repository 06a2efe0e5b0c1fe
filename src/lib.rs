//! edge-sso: single sign-on at the edge.
//!
//! An OpenID Connect relying party that runs as a Cloudflare Worker in front of an
//! origin. It signs users in with their organization's identity provider (Okta or any
//! OpenID provider), keeps sessions in Durable Objects, provisions users at the origin
//! on first login, and ends sessions when the identity provider says so.
//!
//! The crate is split into a sans-IO core (every module but `edge`), which holds the
//! protocol rules and takes time and randomness as arguments, and the `edge` adapter
//! (compiled for `wasm32` only), the only code that talks to the Workers runtime.
//!
//! # Protect your own worker
//!
//! With `default-features = false` the crate exports no `#[event(fetch)]` of its own;
//! wrap your handler with `Sso::handle`, and make edge-sso's `src/edge/entry.js` your
//! worker's entry module (it declares the Durable Object classes over the Rust objects;
//! README, "Use it as a library"):
//!
//! ```ignore
//! use worker::*;
//! pub use edge_sso::{SessionStore, SsoState};
//!
//! #[event(fetch)]
//! async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
//!     edge_sso::Sso::from_env(&env)
//!         .handle(req, |req, user| async move {
//!             match user {
//!                 Some(identity) => Response::ok(format!("Hello, {}", identity.user.name.unwrap_or(identity.user.subject))),
//!                 None => Response::ok("public"),
//!             }
//!         })
//!         .await
//! }
//! ```
//!
//! The core is usable anywhere, e.g. to check a configuration:
//!
//! ```
//! let sso = r#"{"orgs":[{"id":"acme","issuer":"https://acme.okta.com","client_id":"c","client_secret_var":"ACME"}]}"#;
//! let config = edge_sso::config::Config::parse(sso, &|name| (name == "ACME").then(|| "secret".to_owned())).unwrap();
//! assert_eq!(config.orgs[0].scopes, ["openid", "email", "profile"]);
//! ```

pub mod admin;
pub mod assertion;
pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod edge;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod flows;
pub mod forward;
pub mod jose;
pub mod keys;
pub mod login;
pub mod logout;
pub mod oidc;
pub mod pages;
pub mod provisioning;
pub mod public_path;
pub mod routes;
pub mod same_origin;
pub mod secret;
pub mod session;
pub mod settings;
pub mod setup;
pub mod sso_state;
pub mod user;
#[cfg(target_arch = "wasm32")]
pub use edge::{forward_to_origin, Identity, SessionStore, Sso, SsoState};
