//! The userinfo endpoint: called when the ID token lacks email or name; its `sub`
//! must equal the ID token's.

use serde::Deserialize;

use super::id_token::MAX_CLAIM_LEN;
use super::{IdpError, OutgoingRequest};
use crate::secret::Secret;

/// Largest userinfo answer accepted, in bytes.
pub const MAX_USERINFO_BYTES: usize = 32 * 1024;

/// Userinfo claims edge-sso uses.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct UserinfoClaims {
    /// Must equal the ID token's `sub`.
    pub sub: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `email_verified` (a boolean, or a string some IdPs send).
    pub email_verified: Option<serde_json::Value>,
}

/// Why userinfo could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserinfoError {
    /// `sub` differs from the ID token's (→ 401).
    #[error("userinfo sub does not match the ID token")]
    SubjectMismatch,
    /// A claim is longer than ID-token claims may be (→ 401, as for the ID token).
    #[error("a userinfo claim is too long")]
    Oversized,
    /// The IdP answered badly.
    #[error(transparent)]
    Idp(#[from] IdpError),
}

/// `GET userinfo` with the access token.
pub fn userinfo_request(endpoint: &str, access_token: &Secret) -> OutgoingRequest {
    OutgoingRequest {
        method: "GET",
        url: endpoint.to_owned(),
        headers: vec![("authorization".into(), format!("Bearer {}", access_token.expose())), ("accept".into(), "application/json".into())],
        body: None,
    }
}

/// Parses a userinfo answer and checks its `sub`.
pub fn parse_userinfo(status: u16, body: &[u8], subject: &str) -> Result<UserinfoClaims, UserinfoError> {
    if !(200..300).contains(&status) {
        return Err(IdpError::Misbehaving(format!("userinfo answered {status}")).into());
    }
    if body.len() > MAX_USERINFO_BYTES {
        return Err(IdpError::Misbehaving("userinfo answer too large".into()).into());
    }
    let claims: UserinfoClaims =
        serde_json::from_slice(body).map_err(|_| IdpError::Misbehaving("userinfo answer is not JSON claims".into()))?;
    if claims.sub.as_deref() != Some(subject) {
        return Err(UserinfoError::SubjectMismatch);
    }
    let fields = [&claims.email, &claims.name, &claims.given_name, &claims.family_name];
    if fields.iter().any(|f| f.as_ref().is_some_and(|v| v.len() > MAX_CLAIM_LEN)) {
        return Err(UserinfoError::Oversized);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rp_userinfo_invalid_sub() {
        assert_eq!(parse_userinfo(200, br#"{"sub":"other"}"#, "me").unwrap_err(), UserinfoError::SubjectMismatch);
        assert_eq!(parse_userinfo(200, br#"{"email":"a@b.c"}"#, "me").unwrap_err(), UserinfoError::SubjectMismatch);
    }

    #[test]
    fn matching_sub_gives_claims() {
        let c = parse_userinfo(200, br#"{"sub":"me","email":"a@b.c","name":"A"}"#, "me").unwrap();
        assert_eq!(c.email.as_deref(), Some("a@b.c"));
    }

    #[test]
    fn userinfo_claims_are_bounded_like_id_token_claims() {
        let at_limit = format!(r#"{{"sub":"me","name":"{}"}}"#, "n".repeat(MAX_CLAIM_LEN));
        assert!(parse_userinfo(200, at_limit.as_bytes(), "me").is_ok());
        for claim in ["email", "name", "given_name", "family_name"] {
            let body = format!(r#"{{"sub":"me","{claim}":"{}"}}"#, "n".repeat(MAX_CLAIM_LEN + 1));
            assert_eq!(parse_userinfo(200, body.as_bytes(), "me").unwrap_err(), UserinfoError::Oversized, "{claim}");
        }
    }

    #[test]
    fn error_status_is_idp_misbehaving() {
        assert!(matches!(parse_userinfo(500, b"", "me"), Err(UserinfoError::Idp(IdpError::Misbehaving(_)))));
    }
}
