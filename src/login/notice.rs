//! The notice the sign-in form shows once after a session ended without the user
//! signing out here (an IdP-initiated logout, a timeout): a short-lived cookie set on the
//! redirect to sign-in of the browser whose session cookie no longer named a session.
//! It names no one and says nothing about anyone else.

/// Cookie name (an `sso_*` cookie: never forwarded to the origin).
pub const NOTICE_COOKIE: &str = "sso_notice";
/// How long the notice waits for the sign-in page, in seconds.
pub const NOTICE_TTL_SECS: u64 = 600;
/// The cookie's value for "your session ended".
pub const SESSION_ENDED: &str = "session_ended";

/// The message for a notice cookie's value, if it is one edge-sso sets.
pub fn message(value: Option<&str>) -> Option<&'static str> {
    match value {
        Some(SESSION_ENDED) => Some("Your session has ended. Sign in again to continue."),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_known_value_shows_a_message() {
        assert_eq!(message(Some(SESSION_ENDED)), Some("Your session has ended. Sign in again to continue."));
        assert_eq!(message(Some("<script>")), None);
        assert_eq!(message(None), None);
    }
}
