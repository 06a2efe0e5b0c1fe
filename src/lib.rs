//! edge-sso: single sign-on at the edge.
//!
//! An OpenID Connect relying party that runs as a Cloudflare Worker in front of an
//! origin. It signs users in with their organization's identity provider (Okta or any
//! OpenID provider), keeps sessions in Durable Objects, provisions users at the origin
//! on first login, and ends sessions when the identity provider says so.
//!
//! The crate is split into a sans-IO core (every module except [`edge`]), which holds
//! the protocol rules and takes time and randomness as arguments, and the `edge`
//! adapter, the only code that talks to the Workers runtime.
#![warn(unreachable_pub, elided_lifetimes_in_paths, unused_qualifications, missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod config;
pub mod secret;
pub mod jose;
pub mod keys;
pub mod session;
pub mod login;
pub mod oidc;
pub mod forward;
pub mod assertion;
pub mod pages;
pub mod provisioning;
pub mod admin;
pub mod logout;
#[cfg(target_arch = "wasm32")]
pub mod edge;
#[cfg(target_arch = "wasm32")]
pub use edge::{forward_to_origin, Identity, SessionStore, SsoState, Sso};
