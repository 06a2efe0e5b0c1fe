//! OpenID Connect relying-party rules: discovery, the token exchange, ID-token and
//! userinfo validation. Each exchange is a pure `*_request` builder and a pure
//! response parser; the adapter performs the HTTP call in between.

pub mod discovery;
pub mod email;
pub mod id_token;
pub mod token;
pub mod userinfo;

/// An HTTP request the adapter should send.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body, for `POST`.
    pub body: Option<String>,
}

impl std::fmt::Debug for OutgoingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies and headers carry codes and client secrets.
        f.debug_struct("OutgoingRequest").field("method", &self.method).field("url", &self.url).finish_non_exhaustive()
    }
}

/// The IdP answered, but not as the protocol says (→ 502), or could not be reached (→ 503).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdpError {
    /// The IdP's answer breaks the protocol.
    #[error("identity provider misbehaved: {0}")]
    Misbehaving(String),
    /// The IdP could not be reached or timed out.
    #[error("identity provider unreachable: {0}")]
    Unreachable(String),
}
