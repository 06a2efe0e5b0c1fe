//! Ending sessions on the identity provider's word: OpenID Connect Back-Channel
//! Logout, Okta Universal Logout, and RP-initiated logout.

pub mod backchannel;
pub mod rp_initiated;
pub mod universal;

use crate::oidc::id_token::Audience;

/// Whether an optional `aud` claim contains `expected`.
fn audience_contains(aud: &Option<Audience>, expected: &str) -> bool {
    aud.as_ref().is_some_and(|a| a.contains(expected))
}
