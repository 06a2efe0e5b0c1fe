//! Just-in-time provisioning: the call that creates (or updates) the user at the
//! origin on first login, and how its answer is read (interface, section 5).

use serde::Serialize;

use crate::keys::{mac, sha256};
use crate::session::cookie::hex;

/// Tries in all, the first included.
pub const MAX_TRIES: u32 = 3;
/// Longest refusal reason shown to the user, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// The JSON body of a provisioning call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProvisioningRequest {
    /// Org id.
    pub org: String,
    /// IdP issuer.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// The org's default projects.
    pub projects: Vec<String>,
}

impl ProvisioningRequest {
    /// Fingerprint of the provisioned attributes: stable for org + subject + email +
    /// name; used as the `Idempotency-Key` and to tell whether anything changed.
    pub fn fingerprint(&self) -> String {
        let digest = mac(
            b"edge-sso/v1/provisioning",
            &[
                self.org.as_bytes(),
                self.subject.as_bytes(),
                self.email.as_deref().unwrap_or_default().as_bytes(),
                self.name.as_deref().unwrap_or_default().as_bytes(),
            ],
        );
        hex(&sha256(&digest)[..16])
    }
}

/// What one answer of the origin means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvisioningOutcome {
    /// `2xx` or `409`: the user exists; login goes on.
    Provisioned,
    /// Other `4xx`: the origin refuses this user (→ 403), with its short reason if any.
    Refused(Option<String>),
    /// `5xx`: try again (→ 503 when tries run out).
    Retry,
}

/// Reads the origin's answer.
pub fn classify(status: u16, content_type: Option<&str>, body: &[u8]) -> ProvisioningOutcome {
    match status {
        200..=299 | 409 => ProvisioningOutcome::Provisioned,
        400..=499 => ProvisioningOutcome::Refused(refusal_reason(content_type, body)),
        _ => ProvisioningOutcome::Retry,
    }
}

/// Pause before try number `next_try` (2 or 3), in milliseconds.
pub fn backoff_ms(next_try: u32) -> u64 {
    match next_try {
        0..=2 => 100,
        _ => 400,
    }
}

fn refusal_reason(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    let text = if ct.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        ["error_description", "message", "reason", "error"].iter().find_map(|k| value.get(k).and_then(|v| v.as_str()).map(str::to_owned))?
    } else if ct.starts_with("text/plain") {
        String::from_utf8(body.to_vec()).ok()?
    } else {
        return None;
    };
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_REASON_CHARS {
        return None;
    }
    Some(text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> ProvisioningRequest {
        ProvisioningRequest {
            org: "acme".into(),
            issuer: "https://idp".into(),
            subject: "u1".into(),
            email: Some("a@acme.com".into()),
            name: Some(name.into()),
            given_name: None,
            family_name: None,
            projects: vec!["p".into()],
        }
    }

    #[test]
    fn fingerprint_is_stable_and_follows_attributes() {
        assert_eq!(request("Ana").fingerprint(), request("Ana").fingerprint());
        assert_ne!(request("Ana").fingerprint(), request("Ana Lima").fingerprint());
    }

    #[test]
    fn answers_are_classified_as_the_contract_says() {
        assert_eq!(classify(201, None, b""), ProvisioningOutcome::Provisioned);
        assert_eq!(classify(409, None, b""), ProvisioningOutcome::Provisioned);
        assert_eq!(classify(500, None, b""), ProvisioningOutcome::Retry);
        assert_eq!(classify(403, Some("text/plain"), b"not in this plan"), ProvisioningOutcome::Refused(Some("not in this plan".into())));
        assert_eq!(
            classify(403, Some("application/json"), br#"{"error":"seat limit"}"#),
            ProvisioningOutcome::Refused(Some("seat limit".into()))
        );
        assert_eq!(classify(403, Some("text/html"), b"<h1>no</h1>"), ProvisioningOutcome::Refused(None));
        assert_eq!(classify(403, Some("text/plain"), "x".repeat(500).as_bytes()), ProvisioningOutcome::Refused(None));
    }
}
