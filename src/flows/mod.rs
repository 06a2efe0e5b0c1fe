//! The flows, sans-IO: each request edge-sso answers itself (login, callback, sign-out,
//! back-channel and Universal Logout, the access decision) as plain Rust generic over
//! [`Io`], the few effects a flow needs. The `edge` adapter implements [`Io`] over the
//! Workers runtime and turns each flow's outcome into an HTTP answer; the tests drive
//! every branch with a fake.

mod access;
mod admin;
mod backchannel;
mod callback;
mod console;
pub mod documents;
mod error;
mod invitations;
mod login;
pub mod orgs;
mod own_sessions;
mod provision;
mod revocation;
pub mod session_check;
mod setup;
mod sign_out;
mod signature;
mod universal;

#[cfg(test)]
mod tests;

use std::rc::Rc;

use crate::config::{Config, OrgConfig};
use crate::jose::{AssertionSigningKey, JwkSet, SignatureVerifier};
use crate::keys::DerivedKeys;
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::OutgoingRequest;
use crate::session::address::{Jurisdiction, StoreAddress};
use crate::session::store::{StoreRequest, StoreResponse};

pub use access::{access, identity_of, sign_assertion, Access, Identity, Unauthenticated};
pub use admin::{admin, AdminAnswer, AdminFailure, OrgDirectory};
pub use backchannel::{backchannel_logout, BackchannelFailure};
pub use callback::{finish_login, CallbackQuery, SignedIn};
pub use console::{console, console_access, console_action, ConsoleAccess, ConsoleFailure, ConsoleView, Notice, OrgRow};
pub use error::{FlowError, Traced};
pub use invitations::{create_invitation, pending_invitations, withdraw_invitation, CreatedInvitation, InvitationFailure};
pub use login::{start_login, start_login_with, LoginStart};
pub use own_sessions::{end_own_sessions, list_sessions, EndedOwn};
pub use provision::ensure_provisioned;
pub use setup::{
    check_domain, csrf_token, form_fields, setup_action, setup_page, SetupFailure, SetupOutcome, SetupView, MAX_SETUP_FORM_BYTES,
};
pub use sign_out::{sign_out, SignedOut};
pub use signature::verify_signature;
pub use universal::{universal_logout, UniversalLogoutFailure};

/// Bound on each call to an identity provider, in milliseconds.
pub const IDP_TIMEOUT_MS: u64 = 10_000;

/// The effects a flow may ask for (in the style of openidconnect-rs's `AsyncHttpClient`).
/// Workers are single-threaded, so the futures need not be `Send`. Signatures are
/// effects too: verifying ([`SignatureVerifier`]) and signing assertions are WebCrypto
/// in the worker, RustCrypto natively.
#[allow(async_fn_in_trait)]
pub trait Io: SignatureVerifier {
    /// Sends `request`, giving up after `timeout_ms`, refusing answers over `max_body` bytes.
    async fn send(&self, request: &OutgoingRequest, timeout_ms: u64, max_body: usize) -> Result<HttpResponse, NetError>;
    /// One message to the session-store object at `store` (its name, in its org's
    /// jurisdiction); a `Failed` answer is an error.
    async fn store(&self, store: &StoreAddress, request: &StoreRequest) -> Result<StoreResponse, FlowError>;
    /// Every org in effect, read now (static, then stored through the admin API: from
    /// `SsoState`, so it is the truth); flows on the sign-in and logout paths go through
    /// the isolate's copy instead ([`orgs`]).
    async fn orgs(&self) -> Result<Rc<Vec<OrgConfig>>, FlowError>;
    /// This isolate's copy of the orgs ([`orgs::OrgCache`]).
    fn org_cache(&self) -> &std::cell::RefCell<orgs::OrgCache>;
    /// The provider metadata of `issuer` (cached by the adapter).
    async fn provider_metadata(&self, issuer: &str) -> Result<Rc<ProviderMetadata>, FlowError>;
    /// The key set at `jwks_uri`. With `force`, refetched unless that was done very
    /// recently; then the cached set itself (the same `Rc`) comes back.
    async fn jwks(&self, jwks_uri: &str, force: bool) -> Result<Rc<JwkSet>, FlowError>;
    /// The worker's assertion signing key.
    async fn assertion_key(&self) -> Result<Rc<AssertionSigningKey>, FlowError>;
    /// The ES256 signature (raw `r || s`) of `message` under `key`, the assertion key.
    async fn sign_es256(&self, key: &AssertionSigningKey, message: &[u8]) -> Result<Vec<u8>, FlowError>;
    /// The key that names session stores: kept since first use, so that rotating
    /// `SSO_SESSION_SECRET` never renames a store (the adapter keeps it in `SsoState`).
    async fn store_name_key(&self) -> Result<[u8; 32], FlowError>;
    /// Waits `ms` milliseconds (between provisioning tries).
    async fn sleep(&self, ms: u64);
    /// Unix seconds now.
    fn now(&self) -> u64;
    /// Fills `out` from a CSPRNG.
    fn random(&self, out: &mut [u8]) -> Result<(), FlowError>;
}

/// What every flow knows about this deployment.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    /// The parsed configuration.
    pub config: &'a Config,
    /// Keys derived from `SSO_SESSION_SECRET`.
    pub keys: &'a DerivedKeys,
    /// `scheme://host[:port]` of the worker, no trailing slash.
    pub base_url: &'a str,
}

impl Site<'_> {
    /// `redirect_uri` of every org.
    pub fn callback_url(&self) -> String {
        format!("{}/_sso/callback", self.base_url)
    }
}

/// The directory of the org `id`, in its `jurisdiction`, named with the stable store-name key.
async fn directory_of(io: &impl Io, id: &str, jurisdiction: Option<Jurisdiction>) -> Result<StoreAddress, FlowError> {
    Ok(StoreAddress::new(crate::session::cookie::store_name_for_org(&io.store_name_key().await?, id), jurisdiction))
}

/// An answer read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why an outgoing call produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// Connection refused, DNS, TLS…
    Unreachable,
    /// No answer within the time bound.
    Timeout,
    /// The answer was larger than allowed.
    TooLarge,
}

/// `N` random bytes from `io`.
fn random<const N: usize>(io: &impl Io) -> Result<[u8; N], FlowError> {
    let mut bytes = [0u8; N];
    io.random(&mut bytes)?;
    Ok(bytes)
}
