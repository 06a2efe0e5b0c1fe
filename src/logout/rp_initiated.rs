//! RP-initiated logout 1.0: the redirect to the IdP's `end_session_endpoint`, and the
//! `state` check when the browser comes back.

use url::Url;

use crate::secret::constant_time_eq;

/// Cookie that carries the `state` of a sign-out in progress.
pub const LOGOUT_STATE_COOKIE: &str = "sso_logout";

/// The URL that ends the IdP session.
pub fn end_session_url(
    endpoint: &str,
    id_token_hint: &str,
    post_logout_redirect_uri: &str,
    state: &str,
    client_id: &str,
) -> Result<String, url::ParseError> {
    let mut url = Url::parse(endpoint)?;
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token_hint)
        .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
        .append_pair("state", state)
        .append_pair("client_id", client_id);
    Ok(url.into())
}

/// What the return to `/_sso/logged-out` proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutReturn {
    /// The IdP sent back the state we sent.
    Confirmed,
    /// No sign-out is under way here (a plain visit, a bookmark, or a return whose
    /// short-lived cookie is gone): the user is signed out here all the same.
    Plain,
    /// A sign-out is under way and the returned state is missing or different.
    StateMismatch,
}

/// Compares the returned `state` with the one kept in the browser.
pub fn check_return(expected: Option<&str>, returned: Option<&str>) -> LogoutReturn {
    match (expected, returned) {
        (None, _) => LogoutReturn::Plain,
        (Some(e), Some(r)) if constant_time_eq(e.as_bytes(), r.as_bytes()) => LogoutReturn::Confirmed,
        _ => LogoutReturn::StateMismatch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rp_init_logout() {
        let url = end_session_url("https://idp/logout?x=1", "tok", "https://app/_sso/logged-out", "st", "c").unwrap();
        assert!(url.starts_with(
            "https://idp/logout?x=1&id_token_hint=tok&post_logout_redirect_uri=https%3A%2F%2Fapp%2F_sso%2Flogged-out&state=st"
        ));
        assert_eq!(check_return(Some("st"), Some("st")), LogoutReturn::Confirmed);
    }

    #[test]
    fn rp_init_logout_no_state() {
        assert_eq!(check_return(Some("st"), None), LogoutReturn::StateMismatch);
    }

    #[test]
    fn rp_init_logout_other_state() {
        assert_eq!(check_return(Some("st"), Some("other")), LogoutReturn::StateMismatch);
        assert_eq!(check_return(Some("st"), Some("")), LogoutReturn::StateMismatch);
    }

    #[test]
    fn state_without_a_sign_out_under_way_is_a_plain_visit() {
        // The sign-out cookie expired, or the page was bookmarked with its state.
        assert_eq!(check_return(None, Some("other")), LogoutReturn::Plain);
    }

    #[test]
    fn plain_visit_is_fine() {
        assert_eq!(check_return(None, None), LogoutReturn::Plain);
    }
}
