//! Just-in-time provisioning: the call that creates (or updates) the user at the
//! origin on first login, and how its answer is read (interface, section 5).

use serde::Serialize;

use crate::keys::{mac, sha256};
use crate::session::cookie::hex;
use crate::user::User;

/// Tries in all, the first included.
pub const MAX_TRIES: u32 = 3;
/// Longest refusal reason shown to the user, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// The JSON body of a provisioning call: the user (flat: `org`, `issuer`, `subject`,
/// `email`, `name`, `given_name`, `family_name`) and the org's default projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningRequest<'a> {
    /// Who signed in.
    pub user: &'a User,
    /// The org's default projects.
    pub projects: &'a [String],
}

impl Serialize for ProvisioningRequest<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            org: &'a str,
            issuer: &'a str,
            subject: &'a str,
            email: Option<&'a str>,
            name: Option<&'a str>,
            given_name: Option<&'a str>,
            family_name: Option<&'a str>,
            projects: &'a [String],
        }
        let u = self.user;
        Body {
            org: &u.org,
            issuer: &u.issuer,
            subject: &u.subject,
            email: u.email.as_deref(),
            name: u.name.as_deref(),
            given_name: u.given_name.as_deref(),
            family_name: u.family_name.as_deref(),
            projects: self.projects,
        }
        .serialize(serializer)
    }
}

impl ProvisioningRequest<'_> {
    /// Fingerprint of the provisioned attributes: stable for org + subject + email +
    /// name; used as the `Idempotency-Key` and to tell whether anything changed.
    pub fn fingerprint(&self) -> String {
        let digest = mac(
            b"edge-sso/v1/provisioning",
            &[
                self.user.org.as_bytes(),
                self.user.subject.as_bytes(),
                self.user.email.as_deref().unwrap_or_default().as_bytes(),
                self.user.name.as_deref().unwrap_or_default().as_bytes(),
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

/// Reads the origin's answer. A redirect (never followed) is a failed call, retried
/// like a `5xx`.
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

    fn user(name: &str) -> User {
        User {
            org: "acme".into(),
            issuer: "https://idp".into(),
            subject: "u1".into(),
            email: Some("a@acme.com".into()),
            name: Some(name.into()),
            given_name: None,
            family_name: None,
        }
    }

    #[test]
    fn fingerprint_is_stable_and_follows_attributes() {
        let projects = ["p".to_owned()];
        let fingerprint = |name| ProvisioningRequest { user: &user(name), projects: &projects }.fingerprint();
        assert_eq!(fingerprint("Ana"), fingerprint("Ana"));
        assert_ne!(fingerprint("Ana"), fingerprint("Ana Lima"));
    }

    #[test]
    fn the_body_is_the_user_flat_with_the_projects() {
        let projects = ["p".to_owned()];
        let body = serde_json::to_value(ProvisioningRequest { user: &user("Ana"), projects: &projects }).expect("json");
        let expected = serde_json::json!({"org": "acme", "issuer": "https://idp", "subject": "u1", "email": "a@acme.com", "name": "Ana",
            "given_name": null, "family_name": null, "projects": ["p"]});
        assert_eq!(body, expected);
    }

    #[test]
    fn answers_are_classified_as_the_contract_says() {
        assert_eq!(classify(201, None, b""), ProvisioningOutcome::Provisioned);
        assert_eq!(classify(409, None, b""), ProvisioningOutcome::Provisioned);
        assert_eq!(classify(500, None, b""), ProvisioningOutcome::Retry);
        for redirect in [301, 302, 303, 307, 308] {
            assert_eq!(classify(redirect, None, b""), ProvisioningOutcome::Retry, "a {redirect} is a failed call");
        }
        assert_eq!(classify(403, Some("text/plain"), b"not in this plan"), ProvisioningOutcome::Refused(Some("not in this plan".into())));
        assert_eq!(
            classify(403, Some("application/json"), br#"{"error":"seat limit"}"#),
            ProvisioningOutcome::Refused(Some("seat limit".into()))
        );
        assert_eq!(classify(403, Some("text/html"), b"<h1>no</h1>"), ProvisioningOutcome::Refused(None));
        assert_eq!(classify(403, Some("text/plain"), "x".repeat(500).as_bytes()), ProvisioningOutcome::Refused(None));
    }
}
