//! Whose email it is: an org's identity provider vouches only for its own users. When
//! the org lists `domains`, an asserted email outside them, or one the IdP marks
//! unverified, is refused (otherwise one tenant's IdP could assert another tenant's
//! addresses and take over their accounts at the origin — the "nOAuth" class).

use crate::login::email_domain;

/// Why an asserted email was refused (→ 403, no session, no provisioning).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailRefusal {
    /// The email's domain is not one of the org's; the domain is named for the log.
    #[error("email domain {0:?} is not one of the org's domains")]
    OutsideDomains(String),
    /// The email is not an address at all.
    #[error("email is not an address")]
    Malformed,
    /// The IdP says the address is not verified (`email_verified: false`).
    #[error("email_verified is false")]
    Unverified,
}

/// Checks an asserted email against the org's `domains` (lower-case). An org without
/// domains vouches for any address; no email at all asserts nothing and passes; an
/// absent `email_verified` is accepted (Okta's OIN rules: don't depend on it).
/// Domains match exactly: a subdomain is another domain.
pub fn check_email(org_domains: &[String], email: Option<&str>, email_verified: Option<bool>) -> Result<(), EmailRefusal> {
    let Some(email) = email else { return Ok(()) };
    if org_domains.is_empty() {
        return Ok(());
    }
    if email_verified == Some(false) {
        return Err(EmailRefusal::Unverified);
    }
    let domain = email_domain(email).ok_or(EmailRefusal::Malformed)?;
    let domain = domain.trim_end_matches('.');
    if org_domains.iter().any(|d| d == domain) {
        Ok(())
    } else {
        Err(EmailRefusal::OutsideDomains(domain.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Vec<String> {
        vec!["acme.com".into(), "acme.co.uk".into()]
    }

    #[test]
    fn addresses_in_the_orgs_domains_pass() {
        assert_eq!(check_email(&acme(), Some("ana@acme.com"), Some(true)), Ok(()));
        assert_eq!(check_email(&acme(), Some("Ana@ACME.co.uk"), None), Ok(()), "case-insensitive, email_verified absent");
    }

    #[test]
    fn addresses_outside_the_orgs_domains_are_refused() {
        for email in ["ceo@globex.com", "ana@sub.acme.com", "ana@acme.com.evil.test", "ana@acmexcom", "x@acme.com@globex.com"] {
            assert!(matches!(check_email(&acme(), Some(email), Some(true)), Err(EmailRefusal::OutsideDomains(_))), "{email}");
        }
        assert_eq!(check_email(&acme(), Some("not an address"), None), Err(EmailRefusal::Malformed));
    }

    #[test]
    fn unverified_addresses_are_refused() {
        assert_eq!(check_email(&acme(), Some("ana@acme.com"), Some(false)), Err(EmailRefusal::Unverified));
    }

    #[test]
    fn orgs_without_domains_vouch_for_anything_and_no_email_asserts_nothing() {
        assert_eq!(check_email(&[], Some("ceo@globex.com"), Some(false)), Ok(()));
        assert_eq!(check_email(&acme(), None, Some(false)), Ok(()));
    }
}
