//! The signed-in user: one type from the verified ID token to the session record, the
//! provisioning call, the `X-Sso-Assertion` and the application's [`crate::flows::Identity`].

use serde::{Deserialize, Serialize};

/// Who signed in, and through which org.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    /// Org id.
    pub org: String,
    /// The IdP's issuer.
    pub issuer: String,
    /// `sub` at the IdP.
    pub subject: String,
    /// Email, when known.
    #[serde(default)]
    pub email: Option<String>,
    /// Display name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name, when known.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name, when known.
    #[serde(default)]
    pub family_name: Option<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("org", &self.org).finish_non_exhaustive()
    }
}
