//! Ending sessions on the identity provider's word: OpenID Connect Back-Channel
//! Logout, Okta Universal Logout, and RP-initiated logout.

pub mod backchannel;
pub mod rp_initiated;
pub mod universal;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use crate::oidc::id_token::Audience;

/// The `iss` claim of a JWT, read without trusting it, to choose which org's keys
/// verify it. `None` for anything that is not a JWT with a string `iss`.
pub fn unverified_issuer(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss {
        iss: Option<String>,
    }
    if token.len() > crate::jose::MAX_TOKEN_BYTES {
        return None;
    }
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Iss>(&json).ok()?.iss
}

/// Whether an optional `aud` claim contains `expected`.
fn audience_contains(aud: &Option<Audience>, expected: &str) -> bool {
    aud.as_ref().is_some_and(|a| a.contains(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_is_read_from_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"iss":"https://idp.test"}"#);
        assert_eq!(unverified_issuer(&format!("e30.{payload}.sig")).as_deref(), Some("https://idp.test"));
    }

    #[test]
    fn garbage_has_no_issuer() {
        for t in ["", "a", "a.b", "a.b.c.d", "e30.!!!.x", "e30.e30.x"] {
            assert_eq!(unverified_issuer(t), None, "{t}");
        }
    }
}
